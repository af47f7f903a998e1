from django.dispatch import Signal

# Sent inside the transaction that added a member or recognised one as full, after the write: the cases app moves
# a nurturing case on when the register reaches three full members (members never imports cases). A receiver that
# raises rolls the change back. kwargs: actor, enterprise_id.
register_changed = Signal()

# Sent inside the transaction of every step of an admission candidate (members.candidates), after the write: the
# workflow opens the candidate's next task and finishes the one whose step is done. A receiver that raises rolls
# the step back. kwargs: candidate, actor.
candidate_changed = Signal()
