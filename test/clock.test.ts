//! Tests of the clock: frames and cycles by hand calculation, and a tempo change that keeps the cycle position.
import { describe, expect, it } from "vitest";
import { Rational } from "../language/pattern/rational.js";
import { Clock } from "../language/schedule/clock.js";

describe("clock", () => {
  it("gives the frame of a time held as bigints (NaN before: the number fields of such a time are placeholders)", () => {
    // 1 + 10^-30 cycles at 0.5 cps and 48 kHz: 2 s plus far less than a frame, so frame 96000.
    const t = Rational.ofBig(10n ** 30n + 1n, 10n ** 30n);
    expect(t.big).not.toBeNull();
    expect(new Clock(48000, 0.5).frameAt(t)).toBe(96000);
  });

  it("maps cycles to frames at 0.5 cps, 44.1 kHz: one cycle is 2 s = 88200 frames", () => {
    const c = new Clock(44100, 0.5);
    expect(c.frameAt(Rational.of(1))).toBe(88200);
    expect(c.frameAt(Rational.of(1, 3))).toBe(29400);
    expect(c.frameAt(Rational.of(1, 7))).toBe(12600);
    expect(c.cycleAt(88200).toString()).toBe("1");
    expect(c.cycleAt(29400).toString()).toBe("1/3");
  });

  it("rounds to the nearest frame: 1/3 of a cycle at 1 cps, 48 kHz is 16000 frames", () => {
    const c = new Clock(48000, 1);
    expect(c.frameAt(Rational.of(1, 3))).toBe(16000);
    expect(c.frameAt(Rational.of(1, 7))).toBe(6857); // 6857.14…
  });

  it("rebases on a tempo change without moving the cycle position", () => {
    const slow = new Clock(48000, 1);
    // At frame 60000 (1.25 s) the position is 5/4 cycles.
    const fast = slow.rebase(60000, 2);
    expect(fast.cycleAt(60000).toString()).toBe("5/4");
    // Then 2 cycles a second: cycle 3/2 comes 1/4 cycle = 0.125 s = 6000 frames later.
    expect(fast.frameAt(Rational.of(3, 2))).toBe(66000);
    expect(slow.frameAt(Rational.of(3, 2))).toBe(72000);
  });
});
