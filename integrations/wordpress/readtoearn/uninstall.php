<?php
/** Removing the plugin removes what it stored: its settings and each post's readtoearn id. */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

delete_option( 'readtoearn_settings' );
delete_post_meta_by_key( '_readtoearn_article_id' );
