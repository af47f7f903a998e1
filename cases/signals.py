from django.dispatch import Signal

# Sent after the transaction that moved a case commits. Higher apps (workflows, notifications) listen;
# cases never imports them. kwargs: case_id, event, from_state, to_state, actor_id.
case_transitioned = Signal()
