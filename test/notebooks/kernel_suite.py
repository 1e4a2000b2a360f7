"""Jupyter's kernel test suite (Debian: python3-jupyter-kernel-test) against the gradwork kernel.

Run by test/notebooks/kernel.test.ts with JUPYTER_PATH pointing at this checkout's kernel spec and
the notebooks/ folder as working directory (so `import "gradwork"` resolves). Tests of protocol
parts tslab does not implement at all are skipped with the reason (see README, "The kernel").
"""
import unittest

import jupyter_kernel_test


class GradworkKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "gradwork"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'
    code_generate_error = 'throw new RangeError("boom")'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"a" + "b"', "result": "ab"},
        {"code": 'import * as gw from "gradwork"; gw.zeros([2, 2])', "mime": "text/html"},
        {"code": 'import * as gw from "gradwork"; new gw.nn.Linear(2, 3)', "mime": "text/html"},
        {"code": 'import * as gw from "gradwork"; gw.rand([3, 16, 16])', "mime": "image/png"},
        {"code": 'import * as gw from "gradwork"; gw.plot.lineFigure({ y: [1, 2] })', "mime": "application/vnd.plotly.v1+json"},
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab"; tslab.display.html("<b>hi</b>")', "mime": "text/html"},
    ]
    complete_code_samples = ["1 + 2", "const x = 1;"]
    incomplete_code_samples = ["function f() {"]
    completion_samples = [{"text": "Math.ab"}]
    code_inspect_sample = "Math.max"

    def test_gradwork_queued_cells_keep_their_values(self):
        """Run All sends every cell before the first has run: each value must reach its own cell."""
        self.flush_channels()
        ids = [self.kc.execute(f"{n} * 10") for n in (1, 2, 3)]
        values = {}
        while len(values) < len(ids):
            msg = self.kc.get_iopub_msg(timeout=60)
            if msg["msg_type"] == "execute_result":
                values[msg["parent_header"]["msg_id"]] = msg["content"]["data"]["text/plain"]
        self.assertEqual([values.get(i) for i in ids], ["10", "20", "30"])
        for _ in ids:
            self.kc.get_shell_msg(timeout=60)

    def test_history(self):
        raise unittest.SkipTest("tslab does not implement history_request")

    def test_pager(self):
        raise unittest.SkipTest("tslab has no pager payloads")

    def test_clear_output(self):
        raise unittest.SkipTest("tslab has no clear_output API")


if __name__ == "__main__":
    unittest.main(verbosity=2)
