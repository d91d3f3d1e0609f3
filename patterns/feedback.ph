-- Feedback: a bus that reads itself hears its own value one block earlier (a stated one-block delay).
tempo: 0.5

~pluck: s "~ cp ~ [cp cp]" # gain 0.7

-- a dub loop: the drums plus the loop's own output, filtered and faded each time around
~loop: ~pluck + ~loop * 0.6 # lpf 2500 0.5

-- two buses that feed each other through a delay
~ping: ~pluck * 0.5 + ~pong * 0.4 # delay 0.25 0.2 0.5
~pong: ~ping # hpf 400

out: ~loop * 0.5 + ~ping * 0.3
