-- A drum pattern from the built-in kit: kick on the beat, snare on two and four, eighth-note hats.
tempo: 0.5

~kick: s "bd*4"
~snare: s "~ sn ~ sn"
~hats: s "[hh hh]*4"
~claps: s "<~ cp> ~ ~ [~ cp]"

out: (~kick + ~snare * 0.8 + ~hats * 0.5 + ~claps * 0.6) * 0.5
