#!/usr/bin/env python3
"""Counts test results from meson's testlog.json.

A Catch2 test (the unit binary, run once per component tag) counts each of
its test cases and sections from the JUnit report it wrote next to the log
(meson-logs/<test name>.xml); any other test counts once.  Prints
"N passed, N failed" alone on the last line, as CI expects.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

log_path = sys.argv[1]
log_dir = os.path.dirname(log_path)
passed = failed = skipped = 0
with open(log_path) as log:
    for line in log:
        entry = json.loads(line)
        result = entry.get("result")
        ok = result in ("OK", "EXPECTEDFAIL")
        short = entry["name"].split(" / ")[-1]
        report = os.path.join(log_dir, short + ".xml")
        cases = []
        if os.path.exists(report):  # tests/run deletes the previous run's reports
            try:
                cases = ET.parse(report).getroot().iter("testcase")
                cases = [c for c in cases]
            except ET.ParseError:
                cases = []  # a crash mid-report: count the test by its result
        if cases:
            bad = 0
            for c in cases:
                problem = c.find("failure") if c.find("failure") is not None else c.find("error")
                if problem is None:
                    continue
                bad += 1
                # The unit binary writes its report to a file, so meson's error
                # log is empty: show what failed here.
                text = (problem.text or problem.get("message") or "").strip()
                print(f"FAILED {short}: {c.get('name')}\n  " + "\n  ".join(text.splitlines()[:12]))
            passed += len(cases) - bad
            failed += bad
            if not ok and bad == 0:
                failed += 1  # failed outside any reported case (crash, exit code)
        elif result == "SKIP":
            skipped += 1
        elif ok:
            passed += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
