/** Stops `stop` on the first SIGTERM/SIGINT, then exits (0, or 1 when stopping failed). */
export function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`aigw: ${signal}, draining\n`);
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`aigw: stop failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
