-- A filtered saw bass over a beat: the bass line steps through a pattern, a slow LFO sweeps the filter.
bpm: 30

-- the beat
~drums: s "bd [~ bd] sn ~, hh*8"

-- a saw bass line, one note per step, through a lowpass that opens and closes
~lfo: sine 0.25
~bass: saw "55 55 110 82.5" # lpf (~lfo * 600 + 900) 4

-- a quiet square pad a fifth above
~pad: square "<165 220>" # lpf 1200 * 0.5

out: ~drums * 0.4 + ~bass * 0.25 + ~pad * 0.08
