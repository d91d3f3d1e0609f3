// Command-line options of the bench tools: `--name value` pairs taken out of an argument list, the rest left as its positional arguments.

/**
 * A reader of `args`' options: `opt("--count", "2000")` removes `--count` and the value after it
 * from `args` and returns that value, or `def` when `--count` is absent.
 */
export function options(args) {
  return (name, def) => {
    const i = args.indexOf(name);
    if (i < 0) return def;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
}
