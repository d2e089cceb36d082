import { describe, expect, it } from "vitest";
import {
  compileTemplate,
  evaluateCondition,
  renderString,
  renderValue,
  TemplateError,
  type TemplateScope,
} from "../../src/template/engine.js";

const scope = (vars: Record<string, unknown>, env: Record<string, string> = {}): TemplateScope => ({
  vars,
  env,
});

describe("templates", () => {
  it("keeps the native type of a value that is exactly one expression", () => {
    const s = scope({ port: 9092, on: true, list: [1, 2], obj: { a: 1 } });
    expect(renderString("{{ port }}", s)).toBe(9092);
    expect(renderString("  {{ on }} ", s)).toBe(true);
    expect(renderString("{{ list }}", s)).toEqual([1, 2]);
    expect(renderString("{{ obj }}", s)).toEqual({ a: 1 });
    expect(renderString("{{ 8080 }}", s)).toBe(8080);
    expect(renderString("{{ eq port 9092 }}", s)).toBe(true);
    expect(renderString("{{ range 1 4 }}", s)).toEqual([1, 2, 3]);
  });

  it("renders text with objects as JSON and no HTML escaping", () => {
    const s = scope({ port: 9092, obj: { a: "<b>" }, host: "h&1" });
    expect(renderString("port={{ port }}", s)).toBe("port=9092");
    expect(renderString("{{ host }}:{{ port }} {{ obj }}", s)).toBe('h&1:9092 {"a":"<b>"}');
    expect(renderString("{{#if (gt port 1)}}big{{else}}small{{/if}}", s)).toBe("big");
  });

  it("fails on undefined names, except under default", () => {
    const s = scope({ a: { b: 1 } });
    expect(() => renderString("{{ nope }}", s)).toThrow('undefined variable "nope"');
    expect(() => renderString("x {{ a.c.d }}", s)).toThrow('"a.c.d" is undefined: "a" has no field "c"');
    expect(() => renderString("{{ eq missing 1 }}", s)).toThrow(TemplateError);
    expect(renderString("{{ default missing 7 }}", s)).toBe(7);
    expect(renderString("{{ default a.b 7 }}", s)).toBe(1);
  });

  it("reads the injected environment, never process.env", () => {
    const s = scope({}, { ROLLCALL_X: "yes" });
    expect(renderString('{{ env "ROLLCALL_X" }}', s)).toBe("yes");
    expect(renderString('{{ env "PATH" "none" }}', s)).toBe("none");
  });

  it("evaluates bare conditions and template conditions", () => {
    const s = scope({ r: { rc: 0, failed: false }, name: "h1" });
    expect(evaluateCondition("eq r.rc 0", s)).toBe(true);
    expect(evaluateCondition("r.failed", s)).toBe(false);
    expect(evaluateCondition("{{ not r.failed }}", s)).toBe(true);
    expect(evaluateCondition("and (eq name 'h1') (lt r.rc 1)", s)).toBe(true);
    expect(evaluateCondition(false, s)).toBe(false);
    expect(evaluateCondition("'no'", s)).toBe(false);
  });

  it("renders nested values", () => {
    const s = scope({ p: 1 });
    expect(renderValue({ a: ["{{ p }}", "x{{ p }}"], b: 2 }, s)).toEqual({ a: [1, "x1"], b: 2 });
  });

  it("reports syntax errors and unknown helpers with a hint", () => {
    // `{{ a == b }}` is valid Jinja now; an expression neither language reads is an error.
    expect(() => compileTemplate("{{ a == }}")).toThrow(
      /invalid template: unexpected token: }} at line 1, column 9/,
    );
    expect(() => compileTemplate("{{ eq a b c) }}")).toThrow(/invalid template: unexpected/);
    expect(() => compileTemplate("{{ eqq a b }}")).toThrow('unknown helper "eqq" (did you mean "eq"?)');
    expect(() => compileTemplate("{{#if x}}")).toThrow("unexpected end of template");
  });

  it("does not check names inside #each (the context changes)", () => {
    const s = scope({ items: [{ n: 1 }, { n: 2 }] });
    expect(renderString("{{#each items}}{{ n }};{{/each}}", s)).toBe("1;2;");
  });
});
