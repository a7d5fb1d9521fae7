def member(request):
    # Set by community.middleware.MemberPreferencesMiddleware.
    return {"current_member": getattr(request, "member", None)}
