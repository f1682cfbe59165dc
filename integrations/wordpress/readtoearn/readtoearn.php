<?php
/**
 * Plugin Name:       readtoearn
 * Description:       Readers earn points for the articles they genuinely read: the readtoearn panel on single posts, your logged-in readers signed in for you, and each post registered when it is published.
 * Version:           0.1.0
 * Requires PHP:      7.4
 * License:           Apache-2.0
 * Text Domain:       readtoearn
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'READTOEARN_OPTION', 'readtoearn_settings' );
define( 'READTOEARN_META', '_readtoearn_article_id' );

require_once __DIR__ . '/includes/class-readtoearn-jwt.php';
require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/articles.php';

/** The plugin's settings, with their defaults. */
function readtoearn_settings() {
	$defaults = array(
		'host'    => '',
		'site_id' => '',
		'kid'     => '',
		'secret'  => '',
		'api_key' => '',
	);
	return wp_parse_args( (array) get_option( READTOEARN_OPTION, array() ), $defaults );
}

/** The script tag on single posts, with a sign-in token for a logged-in reader. */
function readtoearn_script_tag() {
	if ( ! is_singular( 'post' ) ) {
		return;
	}
	$settings = readtoearn_settings();
	if ( '' === $settings['host'] || '' === $settings['site_id'] ) {
		return;
	}
	$attributes = sprintf(
		' src="%s" data-site="%s"',
		esc_url( untrailingslashit( $settings['host'] ) . '/static/embed.js' ),
		esc_attr( $settings['site_id'] )
	);
	$user = wp_get_current_user();
	if ( $user->exists() && '' !== $settings['secret'] ) {
		$claims = Readtoearn_JWT::reader_claims(
			$user->ID,
			$user->user_email,
			$user->display_name,
			time(),
			600,
			wp_generate_uuid4()
		);
		$token       = Readtoearn_JWT::sign( $claims, $settings['secret'], $settings['kid'] );
		$attributes .= sprintf( ' data-sso="%s"', esc_attr( $token ) );
	}
	// The token is the reader's own: a page carrying one must not be cached for others.
	if ( $user->exists() && ! headers_sent() ) {
		nocache_headers();
	}
	echo '<script' . $attributes . ' async></script>' . "\n"; // phpcs:ignore WordPress.Security.EscapeOutput -- escaped above
}
add_action( 'wp_footer', 'readtoearn_script_tag' );
