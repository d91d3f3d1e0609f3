-- A pure tone: 440 Hz at half amplitude, on both channels.
out: sine 440 * 0.5
