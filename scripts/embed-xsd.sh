#!/bin/sh
# embed-xsd.sh -- write a C file that holds jobs/spetl-job.xsd byte for byte.
#
# The job schema has one source, jobs/spetl-job.xsd; the Makefile runs this
# script to compile it into the binary (build/gen/job_xsd.c), so `spetl
# validate` needs no file at run time. POSIX od and awk only (no xxd).
#
#   sh scripts/embed-xsd.sh jobs/spetl-job.xsd > build/gen/job_xsd.c
set -eu
in=$1
[ -r "$in" ] || { echo "embed-xsd: cannot read $in" >&2; exit 1; }
printf '/* Generated from %s by scripts/embed-xsd.sh: do not edit. */\n' "$in"
printf '#include "spetl/job.h"\n\n#include <stddef.h>\n\n'
printf 'static const unsigned char xsd_bytes[] = {\n'
od -An -v -tx1 "$in" | awk '{ line = "   "; for (i = 1; i <= NF; i++) line = line " 0x" $i ","; print line }'
printf '    0x00\n};\n\n'
printf 'const char *sp_job_xsd(size_t *len)\n{\n'
printf '    if (len != NULL)\n        *len = sizeof(xsd_bytes) - 1;\n'
printf '    return (const char *)xsd_bytes;\n}\n'
