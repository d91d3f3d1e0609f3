-- Pitch: note names, scales, chords and pattern arithmetic with Tidal's structure operators.
tempo: 0.5

-- scale degrees to semitones, then to Hz
~degrees: n "0 2 4 <6 7>" # scale "minor"
~melody: sine (mtof (~degrees + 62)) * 0.2

-- |+ keeps the left side's rhythm; the right side transposes per cycle
~line: saw (mtof ("48 55 ~ 53" |+ "<0 5 7 3>")) # lpf 1200 * 0.1

-- chords: one event per chord note, as a pattern of numbers
~stack: square (mtof (n "0 5" # chord "maj" |+ 48)) * 0.04

-- note names in a signal string play as Hz
~bell: tri "c5 e5 g5 b5" * 0.05

out: ~melody + ~line + ~stack + ~bell
