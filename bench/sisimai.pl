#!/usr/bin/perl
# sisimai.pl - Sisimai 4.25 on the same inputs as `rebound parse`: one line
# per record (recipient, delivery status, reason, reply code, decoder) on
# standard output, and "messages records" on standard error at the end.
#
# usage: perl bench/sisimai.pl PATH...
#   PATH is an mbox, a message file, a Maildir (new/ then cur/; Sisimai
#   itself reads one flat directory) or a plain directory.
use strict;
use warnings;
use Sisimai::Mail;
use Sisimai::Message;
use Sisimai::Data;

binmode(STDOUT, ':raw');
my ($messages, $records) = (0, 0);

sub one {
    my $path = shift;
    my $mail = Sisimai::Mail->new($path) or die "sisimai.pl: $path: cannot read\n";
    while (my $r = $mail->data->read) {
        $messages++;
        my $mesg = Sisimai::Message->new('data' => $r) or next;
        my $data = Sisimai::Data->make('data' => $mesg, 'delivered' => 1,
                                       'origin' => $mail->data->path) or next;
        for my $e (@$data) {
            $records++;
            print join("\t", $e->recipient->address // '', $e->deliverystatus // '',
                       $e->reason // '', $e->replycode // '', $e->smtpagent // ''), "\n";
        }
    }
}

die "usage: sisimai.pl PATH...\n" unless @ARGV;
for my $p (@ARGV) {
    if (-d "$p/cur" && -d "$p/new") {
        one("$p/new");
        one("$p/cur");
    } else {
        one($p);
    }
}
printf STDERR "%d %d\n", $messages, $records;
