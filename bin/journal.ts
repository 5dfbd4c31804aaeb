// Placeholder so the entry type-checks while the command is written on its own branch.
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "journal", description: "(being written)" },
  run() {
    throw new Error("crossipc journal: not written yet");
  },
});
