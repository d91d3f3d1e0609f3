-- Pattern transforms: the three forms of `$`, transform buses, named patterns and effects switched per cycle.
tempo: 0.55

-- a transform kept in a bus, applied later with `$`
~double $ fast 2

-- a named pattern used as a transform argument
%density: "0.1 0.3 0.5"

-- form 1, left to right: the pattern, then each transform
~kick: s "bd*2 [~ bd] bd" $ every 4 (fast 2) $ degradeBy %density

-- form 2, Tidal style: the transform first, the pattern last
~hats: jux rev $ s "hh*4 [hh oh]" $ ~double # gain 0.6

-- an effect switched in every third cycle
~snare: s "~ sn" $ every 3 (# lpf 800) # gain 0.9

-- transforms act on numeric patterns too: this bass line is reversed every other cycle
~bass: saw ("55 82.5 110 55" $ every 2 rev) # lpf 900 * 0.3

-- form 3: a function whose last argument comes after `$`
~wobble: sine $ 0.25

out: (~kick + ~hats * 0.7 + ~snare * 0.8 + ~bass * (~wobble * 0.2 + 0.8)) * 0.5
