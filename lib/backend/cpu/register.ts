// Importing this module registers the cpu backend and makes it the default.
import { registerBackend, setDefaultBackend } from "../index";
import { cpuBackend } from "./index";

registerBackend("cpu", () => cpuBackend);
setDefaultBackend("cpu");
