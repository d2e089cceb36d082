// Signals during `rollcall play`. The first Ctrl-C or SIGTERM stops starting anything new (the
// session aborts its tasks and ends, then the CLI prints what is in flight and how to resume,
// once). A second one leaves at once: the journal holds every action before it is issued (synced
// to disk), so a run killed at any point resumes correctly.
export interface InterruptHandlers {
  /** First signal: announce, then abort the session. */
  onFirst: (signal: "SIGINT" | "SIGTERM") => void;
  /** Second signal: print what is in flight and exit now. */
  onSecond: (signal: "SIGINT" | "SIGTERM") => void;
}

export function installInterruptHandlers(h: InterruptHandlers): () => void {
  let count = 0;
  const on = (signal: "SIGINT" | "SIGTERM") => () => {
    count++;
    if (count === 1) h.onFirst(signal);
    else if (count === 2) h.onSecond(signal);
  };
  const onSigint = on("SIGINT");
  const onSigterm = on("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  return () => {
    process.removeListener("SIGINT", onSigint);
    process.removeListener("SIGTERM", onSigterm);
  };
}
