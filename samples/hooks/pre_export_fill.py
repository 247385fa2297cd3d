#!/usr/bin/env python3
"""spetl pre-export hook: fill a HubSpot property the mapping leaves empty.

SalesPad's "Customer Pre Export Script", as a spetl program hook. For each
customer about to be written to HubSpot, spetl sends
{"point":"pre-export","record":{"key":...,"hubspot_id":...,"gp":{...},"properties":{...}}}.
This hook fills "industry" from the GP customer class (CUSTCLAS) when the
mapping left it empty, and skips customers on hold (HOLD = 1). Only the
properties named in a reply change; the others stay as mapped.

    <pre-export>
      <program command="python3 pre_export_fill.py"
               working-dir="${SPETL_HOOKS_DIR:-/opt/spetl/hooks}" timeout-seconds="30"/>
    </pre-export>
"""
import json
import sys

# GP customer class -> HubSpot industry (HubSpot's internal option values).
INDUSTRY_BY_CLASS = {
    "RETAIL": "RETAIL",
    "WHOLESALE": "WHOLESALE",
    "CONTRACTOR": "CONSTRUCTION",
    "ELECTRICAL": "ELECTRICAL_ELECTRONIC_MANUFACTURING",
}


def decide(record):
    gp = record.get("gp") or {}
    props = record.get("properties") or {}
    if str(gp.get("HOLD", "0")).strip() in ("1", "true", "True"):
        return {"action": "skip", "message": "customer %s is on hold" % record.get("key")}
    reply = {"action": "keep"}
    klass = str(gp.get("CUSTCLAS") or "").strip().upper()
    if not props.get("industry") and klass in INDUSTRY_BY_CLASS:
        reply["properties"] = {"industry": INDUSTRY_BY_CLASS[klass]}
    return reply


def main():
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            reply = decide(msg["record"])
        except Exception as exc:  # one bad record fails alone, the hook keeps running
            reply = {"action": "fail", "message": "pre_export_fill: %s" % exc}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
