def roles(request):
    """The signed-in official's role codes, for showing the menu entries they can use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": frozenset()}
    return {"user_roles": user.role_codes}
