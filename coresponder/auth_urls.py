from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from coresponder import audit
from coresponder.auth import LoginForm


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The page a set-password link opens (units.services.invites): the person chooses their
    password, then logs in. A login that has been turned off (a deactivated responder) gets the
    same "this link no longer works" page as a used or expired link; so does theirs once turned
    back on, since deactivation cleared the password the link was made with."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "link_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record("user.password_set", actor=form.user, object_type="login", object_id=form.user.get_username()[:40])
        messages.success(self.request, f"Your password is set. Log in as {form.user.get_username()}.")
        return response


urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("set-password/<uidb64>/<token>/", SetPasswordView.as_view(), name="set-password"),
]
