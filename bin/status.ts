// Placeholder so the entry type-checks while the command is written on its own branch.
import { defineCommand, type CommandDef } from "citty";

const command: CommandDef = defineCommand({
  meta: { name: "status", description: "(being written)" },
  run() {
    throw new Error("crossipc status: not written yet");
  },
});

export default command;
