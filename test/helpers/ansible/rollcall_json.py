# A stdout callback for the tests: ansible-core (Debian's package) ships no JSON callback (it lives
# in the ansible.posix collection), so this one prints the same document shape as ansible.posix.json:
# {"plays": [{"play": {"name"}, "tasks": [{"task": {"name"}, "hosts": {host: result}}]}], "stats": {...}}
# With `serial`, every batch starts a new entry in "plays", so the entries give the run order.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
    name: rollcall_json
    type: stdout
    short_description: ansible.posix.json's document, for rollcall's tests
    description: Prints one JSON document at the end of the run.
"""

import json

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "rollcall_json"

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display)
        self.results = []

    def v2_playbook_on_play_start(self, play):
        entry = {"play": {"name": play.get_name()}, "tasks": []}
        # The batch this run of the play covers (ansible-playbook restricts the inventory to it).
        # Private, but it gives the run order of `serial` batches without running a task.
        inventory = getattr(getattr(play, "_variable_manager", None), "_inventory", None)
        restriction = getattr(inventory, "_restriction", None)
        if restriction is not None:
            entry["play"]["batch"] = sorted(restriction)
        self.results.append(entry)

    def _new_task(self, task):
        if not self.results:
            self.results.append({"play": {"name": ""}, "tasks": []})
        self.results[-1]["tasks"].append({"task": {"name": task.get_name()}, "hosts": {}})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._new_task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._new_task(task)

    def _record(self, result, **extra):
        host = result._host.get_name()
        data = dict(result._result)
        data.update(extra)
        data["action"] = result._task.action
        clean = {k: v for k, v in data.items() if not k.startswith("_ansible")}
        self.results[-1]["tasks"][-1]["hosts"][host] = clean

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, failed=True)

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, unreachable=True)

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, skipped=True)

    def v2_playbook_on_stats(self, stats):
        summary = {}
        for h in sorted(stats.processed.keys()):
            summary[h] = stats.summarize(h)
        self._display.display(
            json.dumps({"plays": self.results, "stats": summary}, indent=1, default=str)
        )
