from django.dispatch import Signal

# Sent inside the transaction that changed a case, right after its history row is written. A receiver that
# raises rolls the whole change back. Higher apps (workflows) keep their own state in step with the case here;
# cases never imports them. kwargs: case, event, from_state, to_state, actor.
case_changed = Signal()

# Sent after that transaction commits (for side effects: notifications, mail). kwargs: case_id, event,
# from_state, to_state, actor_id.
case_transitioned = Signal()

# Sent at the end of seed_demo, inside its transaction, so higher apps add their demo data (idempotently).
# kwargs: stdout. A receiver may return a one-line summary to print.
demo_seeded = Signal()
