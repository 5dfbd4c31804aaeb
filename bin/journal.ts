// Placeholder so the entry type-checks while the command is written on its own branch.
import { defineCommand, type CommandDef } from "citty";

const command: CommandDef = defineCommand({
  meta: { name: "journal", description: "(being written)" },
  run() {
    throw new Error("crossipc journal: not written yet");
  },
});

export default command;
