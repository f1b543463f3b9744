# The golden fixtures give exactly their recorded records
# (tools/golden.sh --update rewrites them after a reviewed change).
sh tools/golden.sh
