import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatHms, InvalidJobException, parseWalltime } from "../../src/core/index.ts";

describe("walltime parsing", () => {
  const cases: Array<[string, number]> = [
    ["01:00:00", 3600],
    ["1:30:15", 5415],
    ["25:00:00", 90000], // past a day
    ["00:00:01.5", 1.5], // fractional seconds
    ["100:00:00", 360000],
    ["1:30", 5400], // hh:mm
    ["90", 5400], // mm
    ["0", 0],
    ["90m", 5400],
    ["2h", 7200],
    ["45s", 45],
    ["1.5h", 5400],
    ["0.25s", 0.25],
    ["7230.0 s", 7230], // psij-python's own form
    ["30 m", 1800],
    ["1-02:00:00", 93600], // d-hh:mm:ss
    ["2-00:30", 174600], // d-hh:mm
    ["  10  ", 600],
  ];
  for (const [text, seconds] of cases) {
    it(`"${text}" is ${seconds} s`, () => assert.equal(parseWalltime(text), seconds));
  }

  it("anything else is an InvalidJobException naming the field and the syntax expected", () => {
    for (
      const bad of ["", "abc", "1:2:3:4", "-5", "1d", "1.5", "1-5", "h", "1:xx", "5 q", "1e3s"]
    ) {
      assert.throws(() => parseWalltime(bad), (err: unknown) => {
        assert.ok(err instanceof InvalidJobException, bad);
        assert.equal(err.field, "attributes.duration");
        assert.match(err.message, /hh:mm/);
        return true;
      });
    }
    assert.throws(
      () => parseWalltime("x", "$.attributes.duration"),
      (e: unknown) => e instanceof InvalidJobException && e.field === "$.attributes.duration",
    );
  });

  it("formatHms writes HH:MM:SS, hours past 24, fractions rounded up", () => {
    assert.equal(formatHms(0), "00:00:00");
    assert.equal(formatHms(3600), "01:00:00");
    assert.equal(formatHms(90061.25), "25:01:02");
    assert.equal(formatHms(59.001), "00:01:00");
    assert.equal(formatHms(360000), "100:00:00");
  });
});
