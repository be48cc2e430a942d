"""The Flask fixture: Flask-Login for the login, Flask-WTF's CSRFProtect for every POST.

Flask keeps its session in a signed cookie on the client, so no server-side store can be emptied: the fixture keeps
a server-side session epoch, stored in every session it writes, and a session of another epoch is cleared when it
comes back. POST /test/expire-all starts a new epoch, which ends every session at once.

Run by interop/frameworks/start.sh flask, with the venv's Python.
"""

import os
import secrets
import sys
import threading
from urllib.parse import urlsplit

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(here), "python"))

import flask  # noqa: E402
import flask_login  # noqa: E402
import flask_wtf  # noqa: E402
import werkzeug  # noqa: E402
from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for  # noqa: E402
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user  # noqa: E402
from flask_wtf import CSRFProtect, FlaskForm  # noqa: E402
from werkzeug.security import check_password_hash, generate_password_hash  # noqa: E402
from wtforms import PasswordField, StringField  # noqa: E402
from wtforms.validators import DataRequired  # noqa: E402

from fixturecommon import Counters, env, loopback, read_users  # noqa: E402

app = flask.Flask(__name__)
app.config["SECRET_KEY"] = secrets.token_hex(32)
COUNTERS = Counters()

_epoch_lock = threading.Lock()
_epoch = secrets.token_hex(8)


def current_epoch():
    with _epoch_lock:
        return _epoch


class User(UserMixin):
    def __init__(self, name, email, password):
        self.id = name
        self.email = email
        # PBKDF2 with few iterations: a login costs milliseconds on a small machine.
        self.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")


USERS = {name: User(name, email, pw) for name, email, pw in read_users(env("LIMPET_FW_USERS"))}


@app.before_request
def count_login_posts_and_check_epoch():
    # Registered before CSRFProtect, so it runs before the token check and counts refused login POSTs too.
    if request.method == "POST" and request.path == "/login":
        COUNTERS.add("login_posts", request.form.get("username", ""))
    epoch = session.get("_epoch")
    if epoch is not None and epoch != current_epoch():
        session.clear()


@app.after_request
def stamp_epoch(response):
    if session and session.get("_epoch") != current_epoch():
        session["_epoch"] = current_epoch()
    return response


csrf = CSRFProtect(app)
login_manager = LoginManager(app)
login_manager.login_view = "login"


@login_manager.user_loader
def load_user(user_id):
    return USERS.get(user_id)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def safe_next(target):
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        return target
    return url_for("page")


@app.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = USERS.get(form.username.data)
        if user is not None and check_password_hash(user.password_hash, form.password.data):
            login_user(user)
            COUNTERS.add("logins_ok", user.id)
            return redirect(safe_next(request.args.get("next")))
        COUNTERS.add("logins_failed", form.username.data)
        flash("Invalid username or password.")
    return render_template("login.html", form=form)


@app.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("login"))


@app.route("/page")
@login_required
def page():
    return render_template("page.html", user=current_user)


def api_user():
    return current_user if current_user.is_authenticated else None


@app.route("/api/me")
def me():
    if api_user() is None:
        return jsonify(error="not logged in"), 401
    return jsonify(user=current_user.id)


@app.route("/api/count", methods=["POST"])
def count():
    # CSRFProtect has checked the token (field csrf_token, or header X-CSRFToken) before this runs.
    if api_user() is None:
        return jsonify(error="not logged in"), 401
    key = request.args.get("key", "")
    body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    n = COUNTERS.add("counts", key)
    return jsonify(key=key, count=n, user=current_user.id, body=body)


def test_only(view):
    def wrapped(*args, **kwargs):
        if not loopback(request.remote_addr):
            abort(403)
        return view(*args, **kwargs)

    wrapped.__name__ = view.__name__
    return csrf.exempt(wrapped)


@app.route("/test/info")
@test_only
def test_info():
    versions = {
        "flask": flask_version(),
        "flask-login": flask_login.__version__,
        "flask-wtf": flask_wtf.__version__,
        "werkzeug": package_version("werkzeug"),
    }
    return jsonify(app="flask", instance=os.environ.get("LIMPET_FW_INSTANCE", ""), versions=versions)


@app.route("/test/counters")
@test_only
def test_counters():
    return jsonify(COUNTERS.snapshot())


@app.route("/test/expire-all", methods=["POST"])
@test_only
def test_expire_all():
    global _epoch
    with _epoch_lock:
        _epoch = secrets.token_hex(8)
    return jsonify(expired=-1)


def package_version(name):
    from importlib.metadata import version

    return version(name)


def flask_version():
    return package_version("flask")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(env("LIMPET_FW_PORT")), threaded=True, use_reloader=False)
