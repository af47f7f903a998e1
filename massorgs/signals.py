from django.dispatch import Signal

# Sent inside the transaction of every step of a mass organization's establishment (massorgs.founding), after the
# write: the workflow finishes the task whose step is done and opens the next one, or starts the flow for a new
# establishment (massorgs never imports workflows). A receiver that raises rolls the step back. kwargs: founding,
# actor.
founding_changed = Signal()
