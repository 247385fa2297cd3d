#!/usr/bin/env python3
"""spetl company filter hook: skip HubSpot companies whose name matches a pattern.

SalesPad's "Company Filter Script", as a spetl program hook. spetl sends one
line per company, {"point":"company-filter","record":{...}}, and reads one
reply line per company. Companies whose name matches PATTERN (a Python
regular expression, searched case-insensitively) are skipped: company-link
and the imports never see them.

    <company-filter>
      <program command="python3 company_filter.py --pattern &quot;\\b(test|demo)\\b&quot;"
               working-dir="${SPETL_HOOKS_DIR:-/opt/spetl/hooks}" timeout-seconds="10"/>
    </company-filter>

Anything written on stderr goes to spetl's log; stdout carries replies only.
"""
import argparse
import json
import re
import sys


def decide(record, pattern):
    name = (record.get("properties") or {}).get("name") or ""
    if pattern.search(name):
        return {"action": "skip", "message": "company name %r matches the filter" % name}
    return {"action": "keep"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pattern", default=r"\b(test|demo|sample)\b",
                    help="skip companies whose name matches this regular expression")
    pattern = re.compile(ap.parse_args().pattern, re.IGNORECASE)
    skipped = 0
    for line in sys.stdin:
        msg = json.loads(line)
        reply = decide(msg["record"], pattern)
        skipped += reply["action"] == "skip"
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()  # one reply per record, at once: spetl waits for it
    print("company_filter: skipped %d companies" % skipped, file=sys.stderr)


if __name__ == "__main__":
    main()
