"""Tasks: what to learn.

``load_task(name, **params)`` builds a registered task (``list_tasks()`` shows them all with their
ceilings); ``load_csv(path, target=...)`` turns a user's table into one.  Importing this package
imports every loader module, which is what fills the registry.
"""

from neuronlab.tasks import bundled, functions, materials, surfaces, synthetic  # noqa: F401  (they register their tasks)
from neuronlab.tasks.base import KINDS, Kind, Task, split_task
from neuronlab.tasks.registry import TaskInfo, list_tasks, load_task, task_names, task_params
from neuronlab.tasks.tabular import load_csv

__all__ = ["KINDS", "Kind", "Task", "TaskInfo", "list_tasks", "load_csv", "load_task", "split_task",
           "task_names", "task_params"]
