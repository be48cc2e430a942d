# The Rails fixture: Rails 6.1 with Devise 4.8 (Debian's ruby-rails and ruby-devise), in one file.
#
# Devise's own sessions controller and views log users in (fields user[email], user[password], the hidden
# authenticity_token); Rails' CSRF protection (protect_from_forgery with: :exception) refuses a request without the
# token with 422. Sessions live on the server, in Rails' cache-backed session store (a memory store in this one Puma
# process), so that POST /test/expire-all can end every one of them by clearing the cache.
#
# Run by interop/frameworks/start.sh rails: puma -e production -b tcp://127.0.0.1:PORT config.ru.

require "json"
require "logger"
require "securerandom"
require "rails"
require "active_record/railtie"
require "action_controller/railtie"
require "action_view/railtie"
require "action_mailer/railtie"
require "sqlite3"
require "devise"
require "devise/version"

STATE = ENV.fetch("LIMPET_FW_STATE")
# A connection for each of Puma's threads (-t 2:8), and a busy timeout for SQLite.
ENV["DATABASE_URL"] = "sqlite3:#{File.join(STATE, "db.sqlite3")}?pool=16&timeout=10000"
ENV["SECRET_KEY_BASE"] ||= SecureRandom.hex(64)

# Counters of the test-only contract (interop/frameworks/README.md), shared by Puma's threads.
module Counters
  LOCK = Mutex.new
  DATA = { "counts" => {}, "login_posts" => {}, "logins_ok" => {}, "logins_failed" => {} }.freeze

  def self.add(name, key)
    key = key.is_a?(String) ? key : ""
    LOCK.synchronize { DATA[name][key] = DATA[name].fetch(key, 0) + 1 }
  end

  def self.snapshot
    LOCK.synchronize { JSON.generate(DATA) }
  end
end

class FixtureApp < Rails::Application
  config.load_defaults 6.1
  config.root = __dir__
  config.paths["app/views"] = File.join(__dir__, "views")
  config.eager_load = false
  config.secret_key_base = ENV["SECRET_KEY_BASE"]
  config.logger = Logger.new($stderr)
  config.log_level = :warn
  config.consider_all_requests_local = false
  config.action_dispatch.show_exceptions = true
  config.cache_store = :memory_store
  config.session_store :cache_store, key: "_fixture_session"
  config.action_mailer.default_url_options = { host: "127.0.0.1" }
end

Devise.setup do |config|
  require "devise/orm/active_record"
  config.mailer_sender = "fixture@example.com"
  config.case_insensitive_keys = [:email]
  config.strip_whitespace_keys = [:email]
  config.skip_session_storage = [:http_auth]
  # One bcrypt round: a login costs milliseconds (Devise's recommendation for tests).
  config.stretches = 1
  config.sign_out_via = :delete
end

# Login POSTs that reached Devise and failed (a wrong password or an unknown user); successes are counted by
# after_authentication. A login POST that Rails refuses for its CSRF token never reaches Warden.
Warden::Manager.after_authentication do |user, _auth, _opts|
  Counters.add("logins_ok", user.email)
end
Warden::Manager.before_failure do |env, opts|
  # Warden has set PATH_INFO to /unauthenticated by now; Devise keeps the path asked for in attempted_path.
  if env["REQUEST_METHOD"] == "POST" && opts[:attempted_path] == "/users/sign_in"
    email = begin
      (Rack::Request.new(env).params["user"] || {})["email"]
    rescue StandardError
      ""
    end
    Counters.add("logins_failed", email)
  end
end

class User < ActiveRecord::Base
  devise :database_authenticatable
end

# Routes and the model come before initialize!: Devise sets up Warden's strategies and its URL helpers when the
# routes are first finalized, which happens in initialize!, and devise_for needs the User class.
Rails.application.routes.append do
  devise_for :users
  root to: "pages#show"
  get "page", to: "pages#show"
  get "api/me", to: "pages#me"
  post "api/count", to: "pages#count"
  get "test/info", to: "test#info"
  get "test/counters", to: "test#counters"
  post "test/expire-all", to: "test#expire_all"
end

Rails.application.initialize!

# Devise configures Warden (the strategies of each mapping) once, the first time routes are finalized. In a one-file
# app that happens before Warden's middleware is built, and the configuration is lost with the first one: configure
# it again now that both exist.
Rails.application.app
if Devise.warden_config.default_strategies(scope: :user).empty?
  Devise.class_variable_set(:@@warden_configured, nil)
  Devise.configure_warden!
end

ActiveRecord::Migration.verbose = false
ActiveRecord::Schema.define do
  create_table :users, force: true do |t|
    t.string :name, null: false
    t.string :email, null: false, default: ""
    t.string :encrypted_password, null: false, default: ""
    t.timestamps null: false
  end
  add_index :users, :email, unique: true
end

File.foreach(ENV.fetch("LIMPET_FW_USERS")) do |line|
  line = line.chomp
  next if line.strip.empty? || line.start_with?("#")

  name, email, password = line.split(" ", 3)
  User.create!(name: name, email: email, password: password)
end

class ApplicationController < ActionController::Base
  protect_from_forgery with: :exception
end

class PagesController < ApplicationController
  before_action :authenticate_user!

  def show; end

  def me
    render json: { user: current_user.email }
  end

  def count
    key = params[:key].to_s
    n = Counters.add("counts", key)
    render json: { key: key, count: n, user: current_user.email, body: request.request_parameters }
  end
end

class TestController < ActionController::Base
  skip_forgery_protection
  before_action { head :forbidden unless request.remote_ip.start_with?("127.") || request.remote_ip == "::1" }

  def info
    render json: {
      app: "rails", instance: ENV["LIMPET_FW_INSTANCE"].to_s,
      versions: { rails: Rails.version, devise: Devise::VERSION, ruby: RUBY_VERSION, puma: Puma::Const::PUMA_VERSION }
    }
  end

  def counters
    render json: Counters.snapshot
  end

  def expire_all
    Rails.cache.clear
    render json: { expired: -1 }
  end
end


# Counts every POST to the login page before Rails (and its CSRF check) sees it.
class LoginPostCounter
  def initialize(app)
    @app = app
  end

  def call(env)
    req = Rack::Request.new(env)
    if req.post? && req.path == "/users/sign_in"
      email = begin
        (req.params["user"] || {})["email"]
      rescue StandardError
        ""
      end
      Counters.add("login_posts", email)
    end
    @app.call(env)
  end
end

use LoginPostCounter
run Rails.application
