"""Atomic instructions executed per call in the main binary, from a
callgrind profile written with --dump-instr=yes --compress-pos=no and the
addresses of the binary's lock-prefixed and memory-operand xchg
instructions (objdump). Only the main binary's code is counted: a shared
library's addresses overlap the binary's and would match by accident.

Usage: atomics.py PROFILE ADDRESSES CALLS BINARY_NAME [--by-function]
"""
import collections
import sys


def main():
    profile, addresses, calls, binary = sys.argv[1:5]
    by_function = "--by-function" in sys.argv[5:]
    atomic = {int(a, 16) for a in open(addresses).read().split()}
    objects, functions = {}, {}
    obj = fn = None
    skip_call_cost = False
    counts = collections.Counter()

    def name(text, table):
        # "(12) name" defines id 12; "(12)" refers back to it.
        text = text.strip()
        if text.startswith("("):
            end = text.index(")")
            key, rest = text[: end + 1], text[end + 1 :].strip()
            if rest:
                table[key] = rest
            return table.get(key, key)
        return text

    for line in open(profile):
        if line.startswith("ob="):
            obj = name(line[3:], objects)
        elif line.startswith("cob="):
            name(line[4:], objects)
        elif line.startswith("fn="):
            fn = name(line[3:], functions)
        elif line.startswith("cfn="):
            name(line[4:], functions)
        elif line.startswith("calls="):
            # The next line is the call's inclusive cost, not an instruction's.
            skip_call_cost = True
        elif line.startswith("0x"):
            if skip_call_cost:
                skip_call_cost = False
                continue
            parts = line.split()
            if obj and obj.endswith(binary) and int(parts[0], 16) in atomic:
                counts[fn] += int(parts[-1])
    n = int(calls)
    print(f"{sum(counts.values()) / n:.1f}")
    if by_function:
        for f, c in counts.most_common():
            if c / n >= 0.5:
                print(f"{c / n:6.1f} {f}")


main()
