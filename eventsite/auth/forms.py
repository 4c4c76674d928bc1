"""Forms of the auth blueprint: shape only; services.accounts checks the password rules."""

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from eventsite.forms import Form


def new_password_fields(label: str = "Password"):
    """A new password and its repetition (the rules themselves are services.accounts')."""
    password = PasswordField(
        label,
        description="At least 8 characters; a long pass-phrase is best.",
        validators=[DataRequired(f"Please choose a {label.lower()}.")],
    )
    confirm = PasswordField(
        f"{label} again",
        validators=[
            DataRequired(f"Please repeat the {label.lower()}."),
            EqualTo("password", "The two entries differ."),
        ],
    )
    return password, confirm


class LoginForm(Form):
    email = EmailField("E-mail", validators=[DataRequired("Please enter your e-mail address.")])
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])


class PasswordForm(Form):
    current = PasswordField("Current password", validators=[DataRequired("Please enter your current password.")])
    password, confirm = new_password_fields("New password")


class ForgotForm(Form):
    email = EmailField("E-mail", validators=[DataRequired("Please enter your e-mail address.")])


class ResetForm(Form):
    password, confirm = new_password_fields("New password")


class JoinForm(Form):
    name = StringField(
        "Your name",
        description="As your colleagues will see it in the team list and the activity log.",
        validators=[DataRequired("Please enter your name."), Length(max=120, message="Use at most 120 characters.")],
    )
    password, confirm = new_password_fields()
