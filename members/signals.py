from django.dispatch import Signal

# Sent inside the transaction that added a member or recognised one as full, after the write: the cases app moves
# a nurturing case on when the register reaches three full members (members never imports cases). A receiver that
# raises rolls the change back. kwargs: actor, enterprise_id.
register_changed = Signal()
