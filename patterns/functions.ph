-- Reuse: functions, function buses, templates and modifier buses.
cps: 0.5

-- a function: two saws a little apart
fn thick f = saw f + saw (f * 1.007)

-- a function bus: a filtered voice with its own pitch and brightness
~voice pitch bright $ thick pitch # lpf bright 0.6

-- a template: an effect chain written once, spliced in with `#`
@room: # delay 0.375 0.35 0.3 # reverb 0.6 0.5 0.25

-- a modifier bus: each use gets its own slow LFO
~sweep # sine 0.1

~low: ~voice 55 (~sweep * 300 + 500) * 0.3
~high: ~voice 220 (~sweep * 1500 + 2000) # @room * 0.1

out: ~low + ~high
