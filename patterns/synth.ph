-- Synth voices: a bus played as an instrument by `s "~bus"`, one voice per note, chords included.
bpm: 100

-- the instrument: a detuned saw pair through a lowpass (its oscillators follow each note)
~keys: saw 220 + saw 221.5 # lpf 1800 0.7 * 0.3

-- a chord progression, one chord per beat, each chord one voice per note
~chords: s "~keys*2" # note "<c4'maj a3'min7 f3'maj g3'dom7>" # adsr 0.02 0.3 0.6 0.4

-- a bass line from the same instrument, an octave of semitones below
~bass: s "~keys(3,8)" # note "-24 -24 -17" # ar 0.005 0.2 # gain 0.8

-- an inline synth: an oscillator with a note pattern becomes a voice per note
~lead: tri # note "<e5 g5> [d5 c5]" # ar 0.01 0.3 # gain 0.4

out: ~chords * 0.5 + ~bass * 0.6 + ~lead * 0.3
