<?php
/**
 * Settings > readtoearn: the rewards host, the site id, the sign-in key (kid and secret) and the
 * API key that registers posts. WordPress's settings API checks the nonce and the capability.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

function readtoearn_sanitize_settings( $input ) {
	$input = (array) $input;
	$old   = readtoearn_settings();
	$clean = array(
		'host'    => esc_url_raw( trim( (string) ( $input['host'] ?? '' ) ), array( 'https', 'http' ) ),
		'site_id' => sanitize_text_field( (string) ( $input['site_id'] ?? '' ) ),
		'kid'     => sanitize_text_field( (string) ( $input['kid'] ?? '' ) ),
		// Secrets are never shown back: an empty field keeps the one saved.
		'secret'  => '' !== trim( (string) ( $input['secret'] ?? '' ) ) ? trim( (string) $input['secret'] ) : $old['secret'],
		'api_key' => '' !== trim( (string) ( $input['api_key'] ?? '' ) ) ? trim( (string) $input['api_key'] ) : $old['api_key'],
	);
	if ( '' !== $clean['secret'] && strlen( $clean['secret'] ) < 32 ) {
		add_settings_error( READTOEARN_OPTION, 'secret', __( 'The sign-in secret has at least 32 characters.', 'readtoearn' ) );
		$clean['secret'] = $old['secret'];
	}
	return $clean;
}

function readtoearn_register_settings() {
	register_setting(
		'readtoearn',
		READTOEARN_OPTION,
		array( 'sanitize_callback' => 'readtoearn_sanitize_settings' )
	);
}
add_action( 'admin_init', 'readtoearn_register_settings' );

function readtoearn_settings_menu() {
	add_options_page( 'readtoearn', 'readtoearn', 'manage_options', 'readtoearn', 'readtoearn_settings_page' );
}
add_action( 'admin_menu', 'readtoearn_settings_menu' );

function readtoearn_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	$settings = readtoearn_settings();
	$fields   = array(
		'host'    => array( __( 'Rewards host', 'readtoearn' ), 'url', $settings['host'], 'https://rewards.example.com' ),
		'site_id' => array( __( 'Site id', 'readtoearn' ), 'text', $settings['site_id'], 'readtoearn sites create' ),
		'kid'     => array( __( 'Sign-in key id (kid)', 'readtoearn' ), 'text', $settings['kid'], 'readtoearn sites add-secret' ),
		'secret'  => array( __( 'Sign-in secret', 'readtoearn' ), 'password', '', '' !== $settings['secret'] ? __( 'saved (leave empty to keep)', 'readtoearn' ) : '' ),
		'api_key' => array( __( 'API key (articles:write)', 'readtoearn' ), 'password', '', '' !== $settings['api_key'] ? __( 'saved (leave empty to keep)', 'readtoearn' ) : 'rtk_…' ),
	);
	echo '<div class="wrap"><h1>readtoearn</h1><form method="post" action="options.php">';
	settings_fields( 'readtoearn' );
	echo '<table class="form-table" role="presentation">';
	foreach ( $fields as $key => $field ) {
		printf(
			'<tr><th scope="row"><label for="rte-%1$s">%2$s</label></th><td><input id="rte-%1$s" name="%3$s[%1$s]" type="%4$s" value="%5$s" placeholder="%6$s" class="regular-text" autocomplete="off"></td></tr>',
			esc_attr( $key ),
			esc_html( $field[0] ),
			esc_attr( READTOEARN_OPTION ),
			esc_attr( $field[1] ),
			esc_attr( $field[2] ),
			esc_attr( $field[3] )
		);
	}
	echo '</table>';
	submit_button();
	echo '</form></div>';
}
