// What every command writes to: injectable so tests call commands in-process and read their output.
export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

export const processIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
};
