#!/usr/bin/env python3
"""Counts test results from meson's testlog.json.

A TAP test (the Catch2 unit binary) counts each of its test assertions'
cases ("ok"/"not ok" lines); any other test counts once.  Prints
"N passed, N failed" alone on the last line, as CI expects.
"""
import json
import re
import sys

passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        entry = json.loads(line)
        out = entry.get("stdout") or ""
        oks = len(re.findall(r"^ok \d+", out, re.M))
        not_oks = len(re.findall(r"^not ok \d+", out, re.M))
        result = entry.get("result")
        if oks or not_oks:
            passed += oks
            failed += not_oks
            if result not in ("OK", "EXPECTEDFAIL") and not_oks == 0:
                failed += 1  # crashed after its last reported case
        elif result == "SKIP":
            skipped += 1
        elif result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
