"""Global messages: banners a superuser shows to every visitor (Quay's ``globalmessages``)."""
