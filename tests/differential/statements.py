"""Random ECMAScript statement programs, as a chart and as plain JavaScript.

    python3 statements.py SEED CHART.scxml PROGRAM.js

Each program mixes loops, labels, switch, try/catch/finally, break,
continue, return and throw in a <script> and in a function, so that every
path of the compiled statements is taken somewhere. Every assignment
pushes its own number to `t`: the chart and Node.js must end with the same
`x` and the same `t`, the trace of what ran in which order.
"""
import random
import sys

seed, chart_path, js_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(seed)
counter = [0]


def fresh(prefix):
    counter[0] += 1
    return f"{prefix}{counter[0]}"


def block(scope, depth):
    return " ".join(statement(scope, depth) for _ in range(rng.randint(1, 3)))


def statement(scope, depth):
    """`scope`: the enclosing jump targets as (label, is_loop), and whether
    in a function."""
    targets, in_function = scope
    choices = ["assign", "throw"]
    if depth < 5:
        choices += ["if", "while", "for", "forin", "forof", "do", "switch", "try", "block"]
    if targets:
        choices += ["break"] * 2
    if any(is_loop for _, is_loop in targets):
        choices += ["continue"] * 2
    if in_function:
        choices.append("return")
    kind = rng.choice(choices)

    def inside(label, is_loop):
        return block((targets + [(label, is_loop)], in_function), depth + 1)

    def maybe_label():
        return fresh("L") if rng.random() < 0.3 else None

    if kind == "assign":
        return f"x = x + 1; t.push({fresh('')});"
    if kind == "throw":
        return "if (x > 6) throw x;"
    if kind == "return":
        return "if (x > 4) return x;"
    if kind == "if":
        return f"if (x > 2) {{ {block(scope, depth + 1)} }} else {{ {block(scope, depth + 1)} }}"
    if kind in ("while", "for", "forin", "forof", "do"):
        label = maybe_label()
        body = inside(label, True)
        head = {
            "while": f"while (x < 5) {{ x++; {body} }}",
            "for": f"for (var i{depth} = 0; i{depth} < 2; i{depth}++) {{ {body} }}",
            "forin": f"for (var k in o) {{ {body} }}",
            "forof": f"for (var v of a) {{ {body} }}",
            "do": f"do {{ x++; {body} }} while (x < 4);",
        }[kind]
        return f"{label}: {head}" if label else head
    if kind == "switch":
        label = maybe_label()
        cases = [inside(label, False) for _ in range(3)]
        text = f"switch (x % 3) {{ case 0: {cases[0]} case 1: {cases[1]} break; default: {cases[2]} }}"
        return f"{label}: {text}" if label else text
    if kind == "try":
        text = f"try {{ {block(scope, depth + 1)} }}"
        roll = rng.random()
        if roll < 0.4:
            text += f" catch (e) {{ x = x + e; {block(scope, depth + 1)} }}"
        elif roll < 0.7:
            text += f" finally {{ {block(scope, depth + 1)} }}"
        else:
            text += f" catch (e) {{ {block(scope, depth + 1)} }} finally {{ {block(scope, depth + 1)} }}"
        return text
    if kind == "block":
        # A labeled block: only `break label` leaves it.
        label = fresh("B")
        return f"{label}: {{ {block(scope, depth + 1)} if (x > 3) break {label}; }}"
    if kind == "break":
        label, _ = rng.choice(targets)
        if label and rng.random() < 0.5:
            return f"if (x > 1) break {label};"
        return "if (x > 1) break;"
    loops = [target for target in targets if target[1]]
    label, _ = rng.choice(loops)
    if label and rng.random() < 0.5:
        return f"if (x > 1) continue {label};"
    return "if (x > 1) continue;"


function_body = block(([], True), 0)
script = block(([], False), 0)
locals_ = "var i0, i1, i2, i3, i4, i5;"


def xml(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


with open(js_path, "w") as js:
    js.write(
        "var x = 0, t = [], o = {a: 1, b: 2}, a = [1, 2];\n"
        f"function f(y) {{ {locals_} {function_body} return 0; }}\n"
        # An uncaught error ends the chart's block: here, the try.
        f"try {{ {script} f(1); }} catch (err) {{}}\n"
        'console.log(x + " " + JSON.stringify(t));\n'
    )
with open(chart_path, "w") as chart:
    chart.write(
        '<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">\n'
        '<datamodel><data id="x" expr="0"/><data id="t" expr="[]"/>'
        '<data id="o" expr="({a: 1, b: 2})"/><data id="a" expr="[1, 2]"/></datamodel>\n'
        f"<script>function f(y) {{ {locals_} {xml(function_body)} return 0; }}</script>\n"
        f'<state id="s"><onentry><script>{xml(script)} f(1);</script></onentry></state>\n'
        "</scxml>\n"
    )
