from django.dispatch import Signal

# Sent inside the transaction that gives a task to an official (new task, claim, reassignment).
# kwargs: sla (TaskSLA, with case and enterprise), owner, by (the acting official or None for the flow).
task_assigned = Signal()
