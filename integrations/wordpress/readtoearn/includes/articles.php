<?php
/**
 * Each post is registered with readtoearn when it is published (and again when it is updated),
 * through the article API and the site's key; a post that leaves "publish" is deleted there.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

function readtoearn_api( $method, $path, $body = null ) {
	$settings = readtoearn_settings();
	if ( '' === $settings['host'] || '' === $settings['api_key'] ) {
		return null;
	}
	$args = array(
		'method'  => $method,
		'timeout' => 15,
		'headers' => array(
			'Authorization' => 'Bearer ' . $settings['api_key'],
			'Content-Type'  => 'application/json',
		),
	);
	if ( null !== $body ) {
		$args['body'] = wp_json_encode( $body );
	}
	$response = wp_remote_request( untrailingslashit( $settings['host'] ) . $path, $args );
	if ( is_wp_error( $response ) ) {
		error_log( 'readtoearn: ' . $response->get_error_message() ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions
		return null;
	}
	return array(
		'status' => (int) wp_remote_retrieve_response_code( $response ),
		'body'   => json_decode( wp_remote_retrieve_body( $response ), true ),
	);
}

/** The post as the article API takes it. */
function readtoearn_article_of( WP_Post $post ) {
	$categories = wp_get_post_categories( $post->ID, array( 'fields' => 'names' ) );
	$author     = get_userdata( (int) $post->post_author );
	return array(
		'url'          => get_permalink( $post ),
		'title'        => get_the_title( $post ),
		'html'         => apply_filters( 'the_content', $post->post_content ),
		'lead'         => has_excerpt( $post ) ? wp_strip_all_tags( get_the_excerpt( $post ) ) : null,
		'published_at' => get_post_time( 'c', true, $post ),
		'authors'      => $author ? array( array( 'name' => $author->display_name ) ) : array(),
		'categories'   => is_array( $categories ) ? array_values( $categories ) : array(),
	);
}

function readtoearn_on_transition( $new_status, $old_status, $post ) {
	if ( 'post' !== $post->post_type || wp_is_post_revision( $post ) ) {
		return;
	}
	if ( 'publish' === $new_status ) {
		$answer = readtoearn_api( 'POST', '/api/v1/articles', array_filter( readtoearn_article_of( $post ), 'readtoearn_is_set' ) );
		if ( $answer && in_array( $answer['status'], array( 200, 201 ), true ) && isset( $answer['body']['id'] ) ) {
			update_post_meta( $post->ID, READTOEARN_META, sanitize_text_field( $answer['body']['id'] ) );
		} elseif ( $answer ) {
			$message = $answer['body']['error']['message'] ?? ( 'HTTP ' . $answer['status'] );
			error_log( 'readtoearn: post ' . $post->ID . ' not registered: ' . $message ); // phpcs:ignore WordPress.PHP.DevelopmentFunctions
		}
	} elseif ( 'publish' === $old_status ) {
		$id = get_post_meta( $post->ID, READTOEARN_META, true );
		if ( $id ) {
			readtoearn_api( 'DELETE', '/api/v1/articles/' . rawurlencode( $id ) );
			delete_post_meta( $post->ID, READTOEARN_META );
		}
	}
}
add_action( 'transition_post_status', 'readtoearn_on_transition', 10, 3 );

function readtoearn_is_set( $value ) {
	return null !== $value;
}
