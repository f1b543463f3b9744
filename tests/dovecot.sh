# dovecot.sh - a throwaway Dovecot 2.3 IMAP server for the tests (sourced).
#
# Source it after tests/lib.sh, from the repository root:
#
#	. tests/lib.sh
#	. tests/dovecot.sh
#	dv_start || exit 1
#
# It replaces lib.sh's EXIT trap with one that also stops the server, kills
# the processes given to dv_track, and removes $DV (and $TMP, as lib.sh's
# did); INT, TERM, HUP and PIPE exit through it (`sh TEST | head` would
# otherwise die of SIGPIPE and leave Dovecot running).  Should the test's
# shell die without it (SIGKILL), a watchdog started by dv_start kills the
# server and removes $DV within a second.  Call the functions from the
# test's own shell, not in $(...) or a pipeline (dv_start, dv_stop, dv_kill
# and dv_restart keep the server's pid in DV_PID).  Linux only (/proc).
# Needs dovecot, doveadm, openssl and python3 (tests/imap_load.py).
#
# dv_start
#	Makes $DV (mktemp -d /tmp/rbdv.XXXXXX, mode 755, kept short: Dovecot's
#	unix sockets must fit 108 bytes), a test CA ($DV_CA, key $DV/ca.key),
#	a server certificate it signs (EC P-256, CN=localhost,
#	SAN DNS:localhost, IP:127.0.0.1), an unrelated CA ($DV_WRONG_CA =
#	$DV/wrong-ca.pem), a passwd-file with user bounce, password secret,
#	and $DV_CONF ($DV/dovecot.conf): IMAP on 127.0.0.1 (and 127.0.0.2 when
#	it can be bound, see DV_HOST2), plain/STARTTLS on $DV_PORT, implicit
#	TLS on $DV_TLSPORT, LOGIN and PLAIN allowed without TLS,
#	auth_failure_delay = 0, mail_fsync = never, mail in
#	maildir:$DV/mail/%u (INBOX is $DV_MAILDIR, folder a/b is
#	$DV_MAILDIR/.a.b), namespace separator "/".  Free ports are picked
#	by binding port 0 (a new pair is tried when Dovecot finds one taken).
#	Starts `dovecot -F -c $DV_CONF` in the background (pid $DV_PID, log
#	$DV/dovecot.log, startup errors $DV/dovecot.err) and returns once a
#	LOGIN succeeds; status 1, with the log on stderr, when it does not
#	within 15 s or when dovecot is not installed.  As root every Dovecot
#	user is nobody/nogroup; as another user, that user and group, with
#	the login and anvil chroots off.
#	Exports DV DV_CONF DV_PID DV_PORT DV_TLSPORT DV_HOST (127.0.0.1)
#	DV_HOST2 (127.0.0.2, or empty when it cannot be bound: a loopback
#	address the certificate does not name) DV_USER (bounce) DV_PASS
#	(secret) DV_CA DV_WRONG_CA DV_MAILDIR.
# dv_stop
#	SIGTERM by pid to the master and to each of its processes, as a
#	service manager stops it (the master alone would let open IMAP
#	sessions run on: they say "BYE Server shutting down" this way), wait
#	for the master (about 1 s: it sleeps 1 s on shutdown), then for every
#	process to be gone (any left after 5 s is killed by pid).
#	Idempotent; $DV stays.
# dv_kill
#	SIGKILL to the master and at once to each of its processes, by pid:
#	the whole server dies as on a crash.  Mail and indexes stay.
# dv_restart
#	Starts the server again with the same $DV, ports, certificates and
#	mail (stops it first if it runs); waits for LOGIN as dv_start does.
# dv_running
#	Status 0 when the master runs.
# dv_procs
#	Prints "PID COMMAND" for each live process of this server (its
#	command line names dovecot and this $DV); nothing when none is left.
# dv_maildir_load [-f FOLDER] SRC...
# dv_maildir_load SRC FOLDER
#	Puts messages straight into the user's Maildir: INBOX, or FOLDER
#	(made, with the mail user as owner, when missing).  SRC is a file, a
#	Maildir (new/ then cur/, each in name order) or a directory (its files
#	in name order, recursively, skipping dot names: the order `rebound
#	ingest` reads it in).  File names carry a zero-padded sequence number
#	that grows across calls, so Dovecot numbers the UIDs in the order
#	given.  A leading mbox "From " line is dropped; line ends are kept.
#	Works whether the server runs or not.  Prints the number loaded.
# dv_append [-f FOLDER] FILE...
#	IMAP APPEND of each FILE in turn (to INBOX or FOLDER), as a running
#	sender's mail would arrive.
# dv_count [FOLDER]
#	Prints the number of messages in FOLDER (default INBOX); 0 when the
#	folder does not exist.  doveadm while the server runs, else the files
#	in cur/ and new/.  Status 1 when doveadm fails.
# dv_uidvalidity [FOLDER]
#	Prints FOLDER's UIDVALIDITY (the server must run).
# dv_uidvalidity_change [--renumber] [FOLDER]
#	Gives FOLDER (default INBOX) a new UIDVALIDITY: by default with
#	`doveadm mailbox update --uid-validity` (old value + 1000; the UIDs
#	stay; the server must run); with --renumber by removing the folder's
#	dovecot-uidlist and indexes, so that Dovecot numbers its messages again
#	from UID 1 under a new UIDVALIDITY, as when a server loses its index
#	(no session may have the folder open).  Prints the new UIDVALIDITY
#	when the server runs.
# dv_logins
#	Prints the number of successful LOGINs Dovecot has logged so far.
# dv_msgids [FOLDER]...
#	Prints the Message-IDs of the messages in the folders (default
#	INBOX), one a line, sorted; "-" for one without.
# dv_wipe
#	Removes all of the user's mail, folders and indexes (no session may be
#	open); the next login starts from an empty INBOX.
# dv_doveadm ARGS...
#	doveadm with this server's configuration, e.g.
#	`dv_doveadm search -u bounce mailbox INBOX unseen`.
# dv_imap ARGS...
#	Runs tests/imap_load.py with this server's host, port, user and
#	password (plain); give --tls/--ca/--port/--password first to change
#	them, e.g. `dv_imap --tls implicit --port $DV_TLSPORT --ca $DV_CA login`.
# dv_config FILE [YAML]
#	Writes a rebound configuration for this server to FILE:
#		database: '$DV_DB' (default $DV/rebound.db)
#		accounts:
#		  - name: bounces
#		    host: 127.0.0.1
#		    port: $DV_PORT
#		    tls: none
#		    username: bounce
#		    password_env: DV_PASS
#		    mailbox: INBOX
#	YAML is "key: value" lines (a key's indented lines go with it).  The
#	keys database, rules, verp and policy are top-level, every other
#	key is the account's; each replaces the default of the same name, in
#	its place, or is added after the defaults; "key:" with no value and
#	no indented lines removes it.  `tls: implicit` without a port uses
#	$DV_TLSPORT.  E.g. dv_config c.yaml "tls: starttls
#	ca_file: $DV_CA
#	after: keep"
# dv_track PID
#	SIGKILL PID at exit when it still runs (a background rebound).
# ledger_dump DB [TABLE]...
#	Prints the ledger's content, sorted, with every row id and source
#	replaced by what it stands for, so that two databases that processed
#	the same messages compare equal whatever the order of ids or where
#	the messages were read from: messages (hash message_id verp date
#	ingested decoder records), events (the message's hash and every field
#	but id, message and source), suppressions and retry (event -> the
#	hash and recipient of the causing event), undecoded (hash, event's
#	recipient, why), audit.  Default all of these tables.

DV_HELPER=${DV_HELPER:-$(pwd)/tests/imap_load.py}
# the system's interpreter when there is one: a pyenv shim in PATH costs
# 0.3 s a call (the helper needs only the standard library)
DV_PYTHON=${DV_PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
DV_PID=
DV_TRACKED=
DV_WATCH=
DV_USER=bounce
DV_PASS=secret
DV_HOST=127.0.0.1
export DV_USER DV_PASS DV_HOST

_dv_exit() {
	_dv_rc=$?
	trap - EXIT
	dv_cleanup
	[ -n "$TMP" ] && rm -rf "$TMP"
	exit "$_dv_rc"
}
trap _dv_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

dv_cleanup() {
	for _dv_p in $DV_TRACKED; do
		kill -KILL "$_dv_p" 2>/dev/null
	done
	DV_TRACKED=
	dv_stop
	_dv_unwatch
	[ -n "$DV" ] && [ -d "$DV" ] && rm -rf "$DV"
	DV=
}

_dv_unwatch() {
	[ -n "$DV_WATCH" ] && kill -KILL "$DV_WATCH" 2>/dev/null &&
		wait "$DV_WATCH" 2>/dev/null
	DV_WATCH=
}

_dv_watch() {	# _dv_watch: kill this server if this shell dies untrapped
	_dv_unwatch
	(
		trap '' INT HUP PIPE
		while [ -d "/proc/$$" ]; do
			sleep 1
		done
		_dv_m=$(cat "$DV/run/master.pid" 2>/dev/null)
		[ -n "$_dv_m" ] && kill -KILL "$_dv_m"
		for _dv_p in $(dv_procs | cut -d' ' -f1); do
			kill -KILL "$_dv_p"
		done
		rm -rf "$DV"
	) </dev/null >/dev/null 2>&1 &
	DV_WATCH=$!
}

dv_track() {
	DV_TRACKED="$DV_TRACKED $1"
}

_dv_bin() {	# _dv_bin NAME: path of a Dovecot program
	command -v "$1" 2>/dev/null && return
	for _dv_d in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
		[ -x "$_dv_d/$1" ] && echo "$_dv_d/$1" && return
	done
	return 1
}

_dv_alive() {	# _dv_alive PID: running and not a zombie (no fork)
	{ read -r _dv_st <"/proc/$1/stat"; } 2>/dev/null || return 1
	_dv_st=${_dv_st##*) }
	[ -n "$_dv_st" ] && [ "${_dv_st%% *}" != Z ]
}

dv_running() {
	[ -n "$DV_PID" ] && _dv_alive "$DV_PID"
}

dv_procs() {
	[ -n "$DV" ] || return 0
	# the master's command line names $DV/dovecot.conf, the others' titles
	# are dovecot-INSTANCE/NAME, INSTANCE being $DV's name; the [.] keeps
	# grep from finding itself
	_dv_re=$(echo "${DV##*/}" | sed 's/[.]/[.]/g')
	for _dv_f in $(grep -lasE "dovecot-$_dv_re/|/$_dv_re/dovecot[.]conf" \
		/proc/[0-9]*/cmdline); do
		_dv_p=${_dv_f#/proc/}
		_dv_p=${_dv_p%/cmdline}
		_dv_alive "$_dv_p" || continue
		_dv_c=$({ tr '\0' ' ' <"$_dv_f"; } 2>/dev/null) || continue
		echo "$_dv_p $_dv_c"
	done
}

_dv_certs() {
	cat >"$DV/tls.cnf" <<-EOF
	[req]
	distinguished_name = dn
	prompt = no
	[dn]
	CN = rebound test CA
	[ca]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[server]
	basicConstraints = critical,CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth
	subjectAltName = DNS:localhost,IP:127.0.0.1
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid,issuer
	EOF
	_dv_ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	# shellcheck disable=SC2086
	openssl req -x509 -config "$DV/tls.cnf" -extensions ca $_dv_ec -days 3 \
		-subj "/CN=rebound test CA" \
		-keyout "$DV/ca.key" -out "$DV/ca.pem" 2>>"$DV/openssl.log" &&
	openssl req -x509 -config "$DV/tls.cnf" -extensions ca $_dv_ec -days 3 \
		-subj "/CN=rebound wrong CA" \
		-keyout "$DV/wrong-ca.key" -out "$DV/wrong-ca.pem" 2>>"$DV/openssl.log" &&
	openssl req -new -config "$DV/tls.cnf" $_dv_ec -subj /CN=localhost \
		-keyout "$DV/key.pem" -out "$DV/server.csr" 2>>"$DV/openssl.log" &&
	openssl x509 -req -in "$DV/server.csr" -CA "$DV/ca.pem" \
		-CAkey "$DV/ca.key" -set_serial 2 -days 3 \
		-extfile "$DV/tls.cnf" -extensions server \
		-out "$DV/cert.pem" 2>>"$DV/openssl.log"
}

_dv_conf() {
	if [ "$(id -u)" -eq 0 ]; then
		_dv_u=nobody
		_dv_g=nogroup
		getent group nogroup >/dev/null 2>&1 || _dv_g=nobody
		_dv_chroot=
	else
		_dv_u=$(id -un)
		_dv_g=$(id -gn)
		_dv_chroot="service anvil {
  chroot =
}"
	fi
	_dv_listen=127.0.0.1
	[ -n "$DV_HOST2" ] && _dv_listen="127.0.0.1, $DV_HOST2"
	cat >"$DV_CONF" <<-EOF
	# written by tests/dovecot.sh
	protocols = imap
	listen = $_dv_listen
	base_dir = $DV/run
	state_dir = $DV/state
	instance_name = ${DV##*/}
	log_path = $DV/dovecot.log
	ssl = yes
	ssl_cert = <$DV/cert.pem
	ssl_key = <$DV/key.pem
	disable_plaintext_auth = no
	auth_mechanisms = plain login
	auth_failure_delay = 0
	default_internal_user = $_dv_u
	default_internal_group = $_dv_g
	default_login_user = $_dv_u
	mail_uid = $_dv_u
	mail_gid = $_dv_g
	first_valid_uid = 1
	mail_location = maildir:$DV/mail/%u
	mail_fsync = never
	passdb {
	  driver = passwd-file
	  args = scheme=PLAIN username_format=%u $DV/passwd
	}
	userdb {
	  driver = static
	  args = home=$DV/mail/%u
	}
	namespace inbox {
	  inbox = yes
	  separator = /
	}
	protocol imap {
	  mail_max_userip_connections = 100
	}
	service imap-login {
	  inet_listener imap {
	    port = $DV_PORT
	  }
	  inet_listener imaps {
	    port = $DV_TLSPORT
	    ssl = yes
	  }
	EOF
	[ -n "$_dv_chroot" ] && echo "  chroot =" >>"$DV_CONF"
	echo "}" >>"$DV_CONF"
	[ -n "$_dv_chroot" ] && echo "$_dv_chroot" >>"$DV_CONF"
	if [ "$(id -u)" -eq 0 ]; then
		DV_MAILUID=$(id -u "$_dv_u")
		DV_MAILGID=$(getent group "$_dv_g" | cut -d: -f3)
		chown "$_dv_u:$_dv_g" "$DV/mail"
	else
		DV_MAILUID=-1
		DV_MAILGID=-1
	fi
}

_dv_launch() {	# _dv_launch: start the master, wait for LOGIN
	rm -f "$DV/run/master.pid"
	"$DV_DOVECOT" -F -c "$DV_CONF" </dev/null >>"$DV/dovecot.err" 2>&1 &
	DV_PID=$!
	export DV_PID
	if "$DV_PYTHON" "$DV_HELPER" --port "$DV_PORT" --user "$DV_USER" \
		--password "$DV_PASS" wait --timeout 15 --pid "$DV_PID" \
		2>>"$DV/dovecot.err"; then
		return 0
	fi
	if dv_running; then	# up, but no LOGIN: give up on it
		dv_kill
	else
		wait "$DV_PID" 2>/dev/null
		DV_PID=
	fi
	return 1
}

_dv_inuse() {
	grep -qs "Address already in use" "$DV/dovecot.log" "$DV/dovecot.err"
}

_dv_fail() {	# _dv_fail WHAT: say why on stderr
	echo "dovecot.sh: $1" >&2
	for _dv_f in "$DV/dovecot.err" "$DV/dovecot.log" "$DV/openssl.log"; do
		[ -s "$_dv_f" ] && tail -n 20 "$_dv_f" | sed "s|^|# ${_dv_f##*/}: |" >&2
	done
	return 1
}

dv_start() {
	DV_DOVECOT=$(_dv_bin dovecot) ||
		{ echo "dovecot.sh: dovecot is not installed (make deps)" >&2; return 1; }
	DV_DOVEADM=$(_dv_bin doveadm) ||
		{ echo "dovecot.sh: doveadm is not installed (make deps)" >&2; return 1; }
	command -v openssl >/dev/null ||
		{ echo "dovecot.sh: openssl is not installed" >&2; return 1; }
	[ -z "$DV_PID" ] || dv_stop
	[ -n "$DV" ] && [ -d "$DV" ] && rm -rf "$DV"
	DV=$(mktemp -d /tmp/rbdv.XXXXXX) || return 1
	chmod 755 "$DV"
	_dv_watch
	DV_CONF=$DV/dovecot.conf
	DV_CA=$DV/ca.pem
	DV_WRONG_CA=$DV/wrong-ca.pem
	DV_MAILDIR=$DV/mail/$DV_USER
	export DV DV_CONF DV_CA DV_WRONG_CA DV_MAILDIR
	mkdir "$DV/run" "$DV/state" "$DV/mail" || return 1
	_dv_certs || { _dv_fail "openssl could not make the certificates"; return 1; }
	chmod 644 "$DV/ca.pem" "$DV/wrong-ca.pem" "$DV/cert.pem"
	echo "$DV_USER:{PLAIN}$DV_PASS::::::" >"$DV/passwd"
	chmod 644 "$DV/passwd"
	DV_HOST2=
	"$DV_PYTHON" "$DV_HELPER" bindable 127.0.0.2 && DV_HOST2=127.0.0.2
	export DV_HOST2
	_dv_try=0
	while [ "$_dv_try" -lt 5 ]; do
		_dv_try=$((_dv_try + 1))
		# shellcheck disable=SC2046
		set -- $("$DV_PYTHON" "$DV_HELPER" freeport 2)
		DV_PORT=$1
		DV_TLSPORT=$2
		export DV_PORT DV_TLSPORT
		_dv_conf
		: >"$DV/dovecot.log"
		: >"$DV/dovecot.err"
		_dv_launch && return 0
		_dv_inuse || break
	done
	_dv_fail "dovecot did not start (no LOGIN)"
}

dv_restart() {
	if [ -z "$DV" ] || [ ! -f "$DV_CONF" ]; then
		echo "dovecot.sh: dv_restart before dv_start" >&2
		return 1
	fi
	[ -z "$DV_PID" ] || dv_stop
	# after dv_kill the old processes may hold the ports for a moment
	_dv_try=0
	while [ "$_dv_try" -lt 50 ]; do
		_dv_try=$((_dv_try + 1))
		_dv_mark=$(wc -l <"$DV/dovecot.log" 2>/dev/null || echo 0)
		_dv_launch && return 0
		tail -n "+$((_dv_mark + 1))" "$DV/dovecot.log" |
			grep -q "Address already in use" || break
		sleep 0.2
	done
	_dv_fail "dovecot did not restart (no LOGIN)"
}

_dv_reap() {	# _dv_reap SECONDS: wait for this server's processes, then kill
	_dv_n=$(($1 * 20))
	while [ "$_dv_n" -gt 0 ] && [ -n "$(dv_procs)" ]; do
		sleep 0.05
		_dv_n=$((_dv_n - 1))
	done
	for _dv_p in $(dv_procs | cut -d' ' -f1); do
		kill -KILL "$_dv_p" 2>/dev/null
	done
}

dv_stop() {
	if [ -n "$DV_PID" ]; then
		# Dovecot's master alone lets open IMAP sessions run on after it
		# has gone; a service manager stops them all (systemd's
		# KillMode=control-group), and so does this
		_dv_kids=$(dv_procs | cut -d' ' -f1)
		kill -TERM "$DV_PID" 2>/dev/null
		for _dv_p in $_dv_kids; do
			[ "$_dv_p" = "$DV_PID" ] || kill -TERM "$_dv_p" 2>/dev/null
		done
		_dv_n=200
		while [ "$_dv_n" -gt 0 ] && _dv_alive "$DV_PID"; do
			sleep 0.05
			_dv_n=$((_dv_n - 1))
		done
		_dv_alive "$DV_PID" && kill -KILL "$DV_PID" 2>/dev/null
		wait "$DV_PID" 2>/dev/null
		DV_PID=
	fi
	_dv_reap 5
	return 0
}

dv_kill() {
	[ -n "$DV_PID" ] || return 0
	_dv_kids=$(dv_procs | cut -d' ' -f1)
	kill -KILL "$DV_PID" 2>/dev/null
	for _dv_p in $_dv_kids; do
		kill -KILL "$_dv_p" 2>/dev/null
	done
	wait "$DV_PID" 2>/dev/null
	DV_PID=
	_dv_reap 2
	rm -f "$DV/run/master.pid"
	return 0
}

_dv_folder() {	# _dv_folder FOLDER: its Maildir
	case $1 in
	"" | INBOX) echo "$DV_MAILDIR" ;;
	*) echo "$DV_MAILDIR/.$(echo "$1" | tr / .)" ;;
	esac
}

dv_maildir_load() {
	_dv_to=
	if [ "$1" = -f ]; then
		_dv_to=$2
		shift 2
	elif [ $# -eq 2 ] && [ ! -e "$2" ]; then
		_dv_to=$2
		set -- "$1"
	fi
	if [ ! -d "$DV_MAILDIR" ]; then
		mkdir -p "$DV_MAILDIR" || return 1
		[ "$DV_MAILUID" = -1 ] ||
			chown "$DV_MAILUID:$DV_MAILGID" "$DV_MAILDIR" || return 1
	fi
	"$DV_PYTHON" "$DV_HELPER" maildir "$(_dv_folder "$_dv_to")" "$DV/seq" \
		"$DV_MAILUID" "$DV_MAILGID" "$@"
}

dv_imap() {
	"$DV_PYTHON" "$DV_HELPER" --host "$DV_HOST" --port "$DV_PORT" \
		--user "$DV_USER" --password "$DV_PASS" "$@"
}

dv_append() {
	_dv_to=INBOX
	if [ "$1" = -f ]; then
		_dv_to=$2
		shift 2
	fi
	dv_imap append --mailbox "$_dv_to" "$@" >/dev/null
}

dv_doveadm() {
	"$DV_DOVEADM" -c "$DV_CONF" "$@"
}

dv_count() {
	_dv_dir=$(_dv_folder "$1")
	if [ ! -d "$_dv_dir" ]; then
		echo 0
	elif dv_running; then
		_dv_out=$(dv_doveadm -f flow mailbox status -u "$DV_USER" messages \
			"${1:-INBOX}") || return 1
		echo "${_dv_out##*messages=}"
	else
		find "$_dv_dir/cur" "$_dv_dir/new" -type f | wc -l
	fi
}

dv_uidvalidity() {
	_dv_out=$(dv_doveadm -f flow mailbox status -u "$DV_USER" uidvalidity \
		"${1:-INBOX}") || return 1
	echo "${_dv_out##*uidvalidity=}"
}

dv_uidvalidity_change() {
	_dv_renumber=
	if [ "$1" = --renumber ]; then
		_dv_renumber=1
		shift
	fi
	_dv_box=${1:-INBOX}
	if [ -n "$_dv_renumber" ]; then
		_dv_dir=$(_dv_folder "$_dv_box")
		_dv_old=
		dv_running && _dv_old=$(dv_uidvalidity "$_dv_box")
		rm -f "$_dv_dir"/dovecot-uidlist "$_dv_dir"/dovecot.index* \
			"$_dv_dir"/dovecot-keywords
		dv_running || return 0
		_dv_new=$(dv_uidvalidity "$_dv_box") || return 1
		[ "$_dv_new" != "$_dv_old" ] || return 1
		echo "$_dv_new"
	else
		_dv_old=$(dv_uidvalidity "$_dv_box") || return 1
		_dv_new=$((_dv_old + 1000))
		dv_doveadm mailbox update -u "$DV_USER" --uid-validity "$_dv_new" \
			"$_dv_box" || return 1
		echo "$_dv_new"
	fi
}

dv_logins() {
	grep -c "imap-login: .*Login: user=<$DV_USER>" "$DV/dovecot.log"
}

dv_msgids() {
	[ $# -gt 0 ] || set -- INBOX
	_dv_dirs=
	for _dv_b in "$@"; do
		_dv_d=$(_dv_folder "$_dv_b")
		[ -d "$_dv_d" ] && _dv_dirs="$_dv_dirs $_dv_d"
	done
	[ -n "$_dv_dirs" ] || return 0
	# shellcheck disable=SC2086
	"$DV_PYTHON" "$DV_HELPER" msgids $_dv_dirs
}

dv_wipe() {
	rm -rf "$DV/mail/$DV_USER"
}

dv_config() {
	"$DV_PYTHON" - "$1" "${DV_DB:-$DV/rebound.db}" "$DV_PORT" "$DV_TLSPORT" \
		"${2:-}" <<-'PY'
	import re, sys
	out, db, port, tlsport, extra = sys.argv[1:]
	TOP = ("database", "rules", "verp", "policy")
	top = {"database": ["database: '%s'" % db]}
	acct = {k: ["%s: %s" % (k, v)] for k, v in (
	    ("name", "bounces"), ("host", "127.0.0.1"), ("port", port),
	    ("tls", "none"), ("username", "bounce"), ("password_env", "DV_PASS"),
	    ("mailbox", "INBOX"))}
	given = {}
	key = None
	for line in extra.splitlines():
	    if not line.strip():
	        continue
	    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*):(.*)$", line)
	    if m and not line[0].isspace():
	        key = m.group(1)
	        given[key] = [line]
	    elif key is None:
	        sys.exit("dv_config: an indented line comes first: %r" % line)
	    else:
	        given[key].append(line)
	for k, lines in given.items():
	    d = top if k in TOP else acct
	    if len(lines) == 1 and lines[0].split(":", 1)[1].strip() == "":
	        d.pop(k, None)
	    else:
	        d[k] = lines
	if "port" not in given and re.fullmatch(r"tls:\s*implicit\s*",
	                                         acct.get("tls", [""])[0]):
	    acct["port"] = ["port: %s" % tlsport]
	with open(out, "w") as fh:
	    for lines in top.values():
	        fh.write("\n".join(lines) + "\n")
	    fh.write("accounts:\n")
	    first = True
	    for lines in acct.values():
	        for i, l in enumerate(lines):
	            pre = "  - " if first else "    "
	            first = False
	            fh.write(pre + l + "\n")
	PY
}

ledger_dump() {
	_dv_db=$1
	shift
	if [ ! -f "$_dv_db" ]; then
		echo "ledger_dump: no database $_dv_db" >&2
		return 1
	fi
	[ $# -gt 0 ] || set -- messages events suppressions retry undecoded audit
	for _dv_t in "$@"; do
		case $_dv_t in
		messages) _dv_q="SELECT 'messages', hash, message_id, verp, date,
			ingested, decoder, records FROM messages" ;;
		events) _dv_q="SELECT 'events', m.hash, e.address, e.domain, e.time,
			e.effect, e.message_id, e.recipient, e.original_recipient,
			e.action, e.status, e.reply_code, e.diagnostic, e.reason,
			e.class, e.remote_mta, e.reporting_mta, e.date,
			e.original_message_id, e.original_headers, e.envelope_id,
			e.feedback_type, e.decoder, e.rule, e.warnings
			FROM events e JOIN messages m ON m.id = e.message" ;;
		suppressions) _dv_q="SELECT 'suppressions', s.address, s.class,
			s.reason, s.first_seen, s.last_seen, m.hash, e.recipient,
			s.origin, s.note, s.expires FROM suppressions s
			LEFT JOIN events e ON e.id = s.event
			LEFT JOIN messages m ON m.id = e.message" ;;
		retry) _dv_q="SELECT 'retry', r.address, r.state, r.soft_count,
			r.first_soft, r.last_soft, r.next_retry, r.give_up, r.resets,
			r.recent, r.reason, m.hash, e.recipient FROM retry r
			LEFT JOIN events e ON e.id = r.event
			LEFT JOIN messages m ON m.id = e.message" ;;
		undecoded) _dv_q="SELECT 'undecoded', m.hash, e.recipient, u.why
			FROM undecoded u JOIN messages m ON m.id = u.message
			LEFT JOIN events e ON e.id = u.event" ;;
		audit) _dv_q="SELECT 'audit', time, action, address, class, reason,
			note, was FROM audit" ;;
		*) echo "ledger_dump: no table $_dv_t" >&2; return 1 ;;
		esac
		sqlite3 -readonly -batch -noheader -separator '|' "$_dv_db" "$_dv_q" |
			LC_ALL=C sort ||
			return 1
	done
}
