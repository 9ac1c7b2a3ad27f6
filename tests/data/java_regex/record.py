"""Record what java.util.regex answers for the channel-regexp cases.

The real archiver answers ``channels-by-regexp/<regexp>`` with
``Pattern.compile(regexp)`` (no flags; a ``PatternSyntaxException`` is a 400)
and lists the channel names, in Java ``String`` order, whose
``matcher(name).matches()`` is true (an exception there would be a 500).
This script asks the JDK on this machine the same question for every case of
``cases.json``, against all of its channel names together (as one archive
would), and writes ``answers.json``, which
``tests/testing/test_fake_pvarchiver_regexp.py`` holds the fake to.

Run it (needs ``javac`` and ``java`` on ``PATH``) after changing ``cases.json``::

    .venv/bin/python tests/data/java_regex/record.py
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Strings travel as hex of their UTF-8 bytes, one a line: no escaping questions
# on either side, and the JDK needs nothing beyond java.base.
JAVA = r"""
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.regex.*;

public class Record {
    static String unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++)
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return new String(b, StandardCharsets.UTF_8);
    }

    static String hex(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) sb.append(String.format("%02x", b));
        return sb.toString();
    }

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        int n = Integer.parseInt(lines.get(0));
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) names.add(unhex(lines.get(i)));
        Collections.sort(names);  // the server's channel table is a SortedMap<String, ...>
        StringBuilder out = new StringBuilder(System.getProperty("java.version") + "\n");
        for (int i = n + 1; i < lines.size(); i++) {
            Pattern p;
            try {
                p = Pattern.compile(unhex(lines.get(i)));
            } catch (PatternSyntaxException e) {
                out.append("INVALID ").append(hex(e.getDescription())).append('\n');
                continue;
            }
            StringBuilder m = new StringBuilder("MATCH");
            try {
                for (String name : names)
                    if (p.matcher(name).matches()) m.append(' ').append(hex(name));
            } catch (RuntimeException e) {  // the server would answer 500
                m = new StringBuilder("FAILS ").append(hex(e.toString()));
            }
            out.append(m).append('\n');
        }
        Files.write(Paths.get(args[1]), out.toString().getBytes(StandardCharsets.UTF_8));
    }
}
"""


def hexed(text: str) -> str:
    return text.encode("utf-8").hex()


def unhexed(text: str) -> str:
    return bytes.fromhex(text).decode("utf-8")


def record(cases_file: Path = HERE / "cases.json", out: Path = HERE / "answers.json") -> None:
    """Run every case through the JDK and write the answers."""
    data = json.loads(cases_file.read_text(encoding="utf-8"))
    names, cases = data["channels"], data["cases"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "Record.java").write_text(JAVA, encoding="utf-8")
        subprocess.run(["javac", "-d", tmp, str(work / "Record.java")], check=True)
        lines = [str(len(names)), *map(hexed, names), *(hexed(c["regexp"]) for c in cases)]
        (work / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        subprocess.run(
            ["java", "-cp", tmp, "Record", str(work / "in.txt"), str(work / "out.txt")],
            check=True,
        )
        version, *results = (work / "out.txt").read_text(encoding="utf-8").splitlines()
    answers = []
    for case, result in zip(cases, results, strict=True):
        kind, *fields = result.split(" ")
        answer: dict[str, object] = {"regexp": case["regexp"]}
        if kind in ("INVALID", "FAILS"):
            answer["java"] = "invalid" if kind == "INVALID" else "fails when matching"
            answer["error"] = unhexed(fields[0]) if fields else ""
        else:
            answer["java"] = [unhexed(f) for f in fields]
        answers.append(answer)
    document = {"jdk": version, "channels": sorted(names, key=java_order), "answers": answers}
    out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    invalid = sum(a["java"] == "invalid" for a in answers)
    print(f"JDK {version}: {len(answers)} cases, {invalid} invalid, written to {out}")


def java_order(name: str) -> bytes:
    """Java ``String`` order: by UTF-16 code units."""
    return name.encode("utf-16-be", "surrogatepass")


if __name__ == "__main__":
    record()
