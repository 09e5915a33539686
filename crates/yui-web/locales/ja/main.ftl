# Yui user interface — Japanese (first language)
site-name = Yui
skip-to-content = 本文へ移動
language = 言語
footer-note = Yui — 自治体のためのオープンソースのデジタル窓口
error-summary-title = 入力内容を確認してください
error-prefix = エラー：

towns-title = 自治体を選んでください
towns-staff-title = ログインする自治体を選んでください
towns-empty = この Yui にはまだ自治体が登録されていません。運用担当者は `yui admin create-tenant` で登録してください。
town-code = 団体コード
town-home-intro = { $town }のオンライン手続きのページです。
town-home-empty = 現在受け付けている手続きはありません。
staff-link = 職員の方はこちら

sign-in = ログイン
sign-in-title = 職員ログイン
sign-in-intro = { $town }の職員用ページにログインします。
sign-in-login = ログイン名
sign-in-login-hint = 管理者から通知されたログイン名（メールアドレスの場合もあります）
sign-in-password = パスワード
signed-out = ログアウトしました。
sign-out = ログアウト
error-login-required = ログイン名を入力してください。
error-password-required = パスワードを入力してください。
error-sign-in-failed = ログイン名またはパスワードが正しくありません。
error-throttled = ログインの失敗が続いたため、一時的にログインできません。約{ $minutes }分後にもう一度お試しください。

staff-home-title = 職員ホーム
staff-home-welcome = { $name }さん、こんにちは。
staff-home-town = 自治体
staff-home-role = 役割
staff-home-department = 所属
staff-home-no-department = 所属なし

error-not-found-title = ページが見つかりません
error-not-found-body = お探しのページは見つかりませんでした。URLをご確認ください。
error-forbidden-title = この操作はできません
error-forbidden-body = この操作を行う権限がないか、フォームの有効期限が切れています。ページを読み込み直してからもう一度お試しください。
error-throttled-title = しばらくお待ちください
error-throttled-body = 短い時間に多くの操作がありました。少し時間をおいてからもう一度お試しください。
error-unavailable-title = ただいま混み合っています
error-unavailable-body = ただいまアクセスが集中しているか、保守中です。入力した内容は送信されていません。しばらくしてからもう一度お試しください。
error-internal-title = エラーが発生しました
error-internal-body = 申し訳ありません。システムでエラーが発生しました。時間をおいてもう一度お試しください。解決しない場合は担当課にお問い合わせください。
error-cross-origin-title = 送信できませんでした
error-cross-origin-body = 別のサイトからの送信は受け付けていません。このサイトのページから操作してください。
back-to-top = トップページへ戻る

staff-nav-label = 職員メニュー
staff-nav-home = ホーム
staff-nav-inbox = 受付一覧
staff-nav-apps = アプリ
staff-nav-counter = 窓口受付
staff-nav-audit = 監査ログ
