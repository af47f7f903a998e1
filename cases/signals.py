from django.dispatch import Signal

# Sent inside the transaction that changed a case, right after its history row is written. A receiver that
# raises rolls the whole change back. The workflow keeps its flow in step with the case here (cases never imports
# workflows). kwargs: case, event, from_state, to_state, actor.
case_changed = Signal()
