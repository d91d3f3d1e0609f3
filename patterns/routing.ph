-- Routing and settings: numbered outputs are summed; outmix, buffer and the live commands.
bpm: 120 "4/4"
outmix: tanh
buffer: 512

~kick: s "bd(3,8)"
~clap: s "~ cp"

o1: ~kick
d2 $ ~clap * 0.7
out3: sine "<110 98>" * 0.1
o4 # square 55 * 0.05

-- silence output 4, then bring it back: the last command wins
hush4

unhush4

-- live commands: recorded in the GraphIR for `phonon live`
resetCycles

nudge 0.01

panic
