import { describe, expect, it } from "vitest";
import { chooseRecipe } from "./command-recipe.js";
import { MiError } from "./mi-error.js";
import { MiParams } from "./mi-params.js";

const LIST = [[], ["aor", "contact", "registrar"]];

function dataOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof MiError) return err.data;
    throw err;
  }
  return "no error";
}

describe("recipe choice (docs/mi-protocol.md §2)", () => {
  it("takes the first empty recipe when there are no params", () => {
    expect(chooseRecipe(LIST, undefined).recipe).toEqual([]);
  });

  it("binds positional values in recipe order", () => {
    const m = chooseRecipe(LIST, ["A", "C", "R"]);
    expect([...m.values]).toEqual([
      ["aor", "A"],
      ["contact", "C"],
      ["registrar", "R"],
    ]);
  });

  it("matches named params in any key order", () => {
    const m = chooseRecipe(LIST, { registrar: "R", aor: "A", contact: "C" });
    expect(m.recipe).toEqual(["aor", "contact", "registrar"]);
    expect(m.values.get("contact")).toBe("C");
  });

  it("takes the first recipe of the right size whose names all match", () => {
    const recipes = [
      ["a", "b"],
      ["a", "c"],
      ["a", "b"],
    ];
    expect(chooseRecipe(recipes, { c: 1, a: 2 }).recipe).toBe(recipes[1]);
    expect(chooseRecipe(recipes, { b: 1, a: 2 }).recipe).toBe(recipes[0]);
  });

  it("chooses between recipes by size", () => {
    const recipes = [["a"], ["a", "b"], ["a", "b", "c"]];
    expect(chooseRecipe(recipes, [1, 2]).recipe).toEqual(["a", "b"]);
    expect(chooseRecipe(recipes, { a: 1, b: 2, c: 3 }).recipe).toEqual(["a", "b", "c"]);
  });

  it.each([
    ["no empty recipe", [["a"]], undefined, false, "Too few or too many parameters"],
    ["too many positional", LIST, ["a", "b"], false, "Too few or too many parameters"],
    ["extra named key", LIST, { aor: 1, contact: 2, registrar: 3, x: 4 }, false, "Too few or too many parameters"],
    ["wrong named key", LIST, { aor: 1, contact: 2, registar: 3 }, false, "Named parameters do not match"],
    ["two recipes of one size", [["a"], ["b"]], ["x"], false, "Ambiguous call, use named parameters instead"],
    ["array to named-only", [["a"]], ["x"], true, "Command only supports named parameters"],
  ] as const)("%s", (_n, recipes, params, namedOnly, data) => {
    expect(dataOf(() => chooseRecipe(recipes, params, namedOnly))).toBe(data);
  });

  it("lets named params pick between two same-size recipes", () => {
    expect(chooseRecipe([["a"], ["b"]], { b: 1 }).recipe).toEqual(["b"]);
  });
});

describe("parameter types (docs/mi-protocol.md §2)", () => {
  const p = (v: unknown) => new MiParams(["x"], new Map([["x", v]]));
  it("a string param takes a string or an integer-printed number", () => {
    expect(p("sip:a@x").string("x")).toBe("sip:a@x");
    expect(p(5).string("x")).toBe("5");
    expect(p(5.9).string("x")).toBe("5");
    expect(p(-0.5).string("x")).toBe("0");
    expect(p(1e21).string("x")).toBe("1000000000000000000000");
  });
  it("an int param takes a number or an integer string", () => {
    expect(p(3600).int("x")).toBe(3600);
    expect(p("3600").int("x")).toBe(3600);
    expect(p("-12").int("x")).toBe(-12);
    expect(p(1.7).int("x")).toBe(1);
  });
  it.each([null, true, false, [], ["x"], {}, { a: 1 }])("refuses %j with Bad type for parameter 'x'", (v) => {
    expect(dataOf(() => p(v).string("x"))).toBe("Bad type for parameter 'x'");
    expect(dataOf(() => p(v).int("x"))).toBe("Bad type for parameter 'x'");
  });
  it("an int param refuses a non-integer string", () => {
    expect(dataOf(() => p("1.5").int("x"))).toBe("Bad type for parameter 'x'");
    expect(dataOf(() => p("").int("x"))).toBe("Bad type for parameter 'x'");
  });
  it("optional getters give undefined for names outside the recipe", () => {
    expect(p("v").optionalString("y")).toBeUndefined();
    expect(p("7").optionalInt("x")).toBe(7);
  });
});
