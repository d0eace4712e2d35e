"""A user's own account: changing their password (the one an administrator set, among others)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from ..forms import OwnPasswordForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (the session survives the change), clearing the must-change mark."""

    form_class = OwnPasswordForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        form.user.must_change_password = False  # saved with the new password, in one write
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response
