# Yui user interface — English
site-name = Yui
skip-to-content = Skip to main content
language = Language
footer-note = Yui — the open-source digital counter for municipalities
error-summary-title = There is a problem
error-prefix = Error: 

towns-title = Choose a municipality
towns-staff-title = Choose the municipality to sign in to
towns-empty = No municipality is registered on this Yui yet. The operator can add one with `yui admin create-tenant`.
town-code = Municipality code
town-home-intro = Online procedures of { $town }.
town-home-empty = No procedures are open at the moment.
staff-link = Staff sign-in

sign-in = Sign in
sign-in-title = Staff sign-in
sign-in-intro = Sign in to the staff pages of { $town }.
sign-in-login = Login name
sign-in-login-hint = The login name your administrator gave you (it may be an e-mail address)
sign-in-password = Password
signed-out = You have signed out.
sign-out = Sign out
error-login-required = Enter your login name.
error-password-required = Enter your password.
error-sign-in-failed = The login name or password is not correct.
error-throttled = Too many failed sign-ins. Sign-in is paused; try again in about { $minutes } minutes.

staff-home-title = Staff home
staff-home-welcome = Hello, { $name }.
staff-home-town = Municipality
staff-home-role = Role
staff-home-department = Department
staff-home-no-department = No department

error-not-found-title = Page not found
error-not-found-body = The page you were looking for was not found. Check the address.
error-forbidden-title = You cannot do this
error-forbidden-body = You do not have permission for this action, or the form has expired. Reload the page and try again.
error-throttled-title = Please wait
error-throttled-body = There were many requests in a short time. Wait a little and try again.
error-unavailable-title = The service is busy
error-unavailable-body = The service is very busy or under maintenance. What you entered has not been sent. Please try again shortly.
error-internal-title = Something went wrong
error-internal-body = Sorry, the system had an error. Please try again later. If it continues, contact the department in charge.
error-cross-origin-title = Could not send
error-cross-origin-body = Requests from other sites are not accepted. Use this site's own pages.
back-to-top = Back to the top page

staff-nav-label = Staff menu
staff-nav-home = Home
staff-nav-inbox = Inbox
staff-nav-apps = Apps
staff-nav-counter = Counter
staff-nav-audit = Audit log
