// Placeholder so the entry type-checks while the command is written on its own branch.
import { defineCommand } from "citty";

export default defineCommand({
  meta: { name: "status", description: "(being written)" },
  run() {
    throw new Error("crossipc status: not written yet");
  },
});
